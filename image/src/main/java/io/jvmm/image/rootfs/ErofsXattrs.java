package io.jvmm.image.rootfs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * EROFS inline xattrs (fs/erofs/erofs_fs.h, {@code erofs_xattr_ibody_header} and
 * {@code erofs_xattr_entry}): a name is a prefix index plus a suffix of at most 255 bytes.
 */
final class ErofsXattrs {
    /** {@code erofs_xattr_ibody_header}: h_reserved, h_shared_count, padding. */
    static final int HEADER = 12;

    private ErofsXattrs() {}

    /** EROFS name index of an xattr name (user. = 1 … security. = 6), or -1 if it has none. */
    static int index(String name) {
        if (name.equals("system.posix_acl_access")) return 2;
        if (name.equals("system.posix_acl_default")) return 3;
        String[] prefixes = {"user.", "trusted.", "lustre.", "security."};
        int[] idx = {1, 4, 5, 6};
        for (int i = 0; i < prefixes.length; i++) {
            if (name.startsWith(prefixes[i]) && name.length() > prefixes[i].length()) {
                return name.substring(prefixes[i].length()).getBytes(StandardCharsets.UTF_8).length <= 255
                        ? idx[i]
                        : -1;
            }
        }
        return -1;
    }

    private static String suffix(String name) {
        if (name.startsWith("system.posix_acl_")) return "";
        return name.substring(name.indexOf('.') + 1);
    }

    /** The inline xattr area of an inode: header, then the entries 4-byte aligned; empty without xattrs. */
    static byte[] body(Map<String, byte[]> xattrs) {
        if (xattrs == null || xattrs.isEmpty()) return new byte[0];
        // Sorted by (name index, suffix) like mkfs.erofs does; the kernel does not require an order.
        List<Map.Entry<String, byte[]>> list = new ArrayList<>(xattrs.entrySet());
        list.sort((a, b) -> {
            int c = Integer.compare(index(a.getKey()), index(b.getKey()));
            return c != 0 ? c : suffix(a.getKey()).compareTo(suffix(b.getKey()));
        });
        int size = HEADER;
        for (Map.Entry<String, byte[]> e : list) {
            size += align4(4 + suffix(e.getKey()).getBytes(StandardCharsets.UTF_8).length + e.getValue().length);
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.position(HEADER); // h_reserved = 0, h_shared_count = 0
        for (Map.Entry<String, byte[]> e : list) {
            byte[] suffix = suffix(e.getKey()).getBytes(StandardCharsets.UTF_8);
            int start = b.position();
            b.put((byte) suffix.length);
            b.put((byte) index(e.getKey()));
            b.putShort((short) e.getValue().length);
            b.put(suffix);
            b.put(e.getValue());
            b.position(start + align4(4 + suffix.length + e.getValue().length));
        }
        return b.array();
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }
}
