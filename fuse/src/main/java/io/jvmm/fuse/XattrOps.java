package io.jvmm.fuse;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.function.ToLongFunction;

/**
 * Extended attributes: SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR, on regular files and directories
 * (opened read-only through their magic link: the f*xattr calls refuse O_PATH descriptors). Symlinks
 * and special files have none as far as the guest can tell. The guest may set and remove only
 * {@code user.*} attributes: {@code security.capability} on a host binary would grant capabilities
 * on the host, {@code trusted.*} is for host administrators, and POSIX ACLs
 * ({@code system.posix_acl_*}) are not implemented; all are refused with EOPNOTSUPP.
 */
final class XattrOps {
    private static final byte[] USER = "user.".getBytes(StandardCharsets.US_ASCII);

    private XattrOps() {}

    private static boolean settable(byte[] name) {
        if (name.length <= USER.length) return false;
        for (int i = 0; i < USER.length; i++) {
            if (name[i] != USER[i]) return false;
        }
        return true;
    }

    private static boolean hasXattrs(Inode n) {
        return n.isRegular() || n.isDirectory();
    }

    /**
     * EOPNOTSUPP for a namespace the guest may not change (what a file system without that support
     * answers: cp -a then falls back to chmod for ACLs), EPERM for user attributes on a symlink or
     * special file (as Linux answers).
     */
    private static void refuseUnlessSettable(Inode n, byte[] name) {
        if (!settable(name)) throw new FuseError(Errno.EOPNOTSUPP);
        if (!hasXattrs(n)) throw new FuseError(Errno.EPERM);
    }

    static void set(Share s, Request r) {
        Inode n = s.node(r);
        int size = r.u32(), flags = r.u32();
        byte[] name = r.cstring(FuseAbi.NAME_MAX);
        if (size < 0 || size > FuseAbi.XATTR_SIZE_MAX) throw new FuseError(Errno.E2BIG);
        byte[] value = r.bytes(size);
        r.end();
        s.writable();
        if (name.length == 0) throw new FuseError(Errno.EINVAL);
        refuseUnlessSettable(n, name);
        if ((flags & ~(FileSyscalls.XATTR_CREATE | FileSyscalls.XATTR_REPLACE)) != 0) throw new FuseError(Errno.EINVAL);
        int fd = s.reopen(n, Libc.O_RDONLY);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(Math.max(size, 1)).asSlice(0, size);
            MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, size);
            FuseError.check(FileSyscalls.fsetxattr(fd, name, v, flags));
        } finally {
            FileSyscalls.close(fd);
        }
    }

    static void get(Share s, Request r, Reply out) {
        Inode n = s.node(r);
        int size = r.u32();
        r.u32();
        byte[] name = r.cstring(FuseAbi.NAME_MAX);
        r.end();
        if (name.length == 0) throw new FuseError(Errno.EINVAL);
        if (!hasXattrs(n)) throw new FuseError(Errno.ENODATA);
        int fd = s.reopen(n, Libc.O_RDONLY);
        try (Arena arena = Arena.ofConfined()) {
            answer(out, size, arena, buf -> FileSyscalls.fgetxattr(fd, name, buf));
        } finally {
            FileSyscalls.close(fd);
        }
    }

    static void list(Share s, Request r, Reply out) {
        Inode n = s.node(r);
        int size = r.u32();
        r.u32();
        r.end();
        if (!hasXattrs(n)) {
            if (size == 0) out.u32(0).u32(0);
            return;
        }
        int fd = s.reopen(n, Libc.O_RDONLY);
        try (Arena arena = Arena.ofConfined()) {
            answer(out, size, arena, buf -> FileSyscalls.flistxattr(fd, buf));
        } finally {
            FileSyscalls.close(fd);
        }
    }

    /** GETXATTR/LISTXATTR's two forms: size 0 asks for the size ({@code fuse_getxattr_out}); else the bytes. */
    private static void answer(Reply out, int size, Arena arena, ToLongFunction<MemorySegment> call) {
        if (size == 0) {
            out.u32((int) FuseError.check(call.applyAsLong(MemorySegment.NULL))).u32(0);
            return;
        }
        int cap = (int) Math.min(Integer.toUnsignedLong(size), Math.min(FuseAbi.XATTR_SIZE_MAX, out.room()));
        MemorySegment buf = arena.allocate(Math.max(cap, 1)).asSlice(0, cap);
        long n = FuseError.check(call.applyAsLong(buf));
        byte[] b = buf.asSlice(0, n).toArray(JAVA_BYTE);
        out.bytes(b, 0, b.length);
    }

    static void remove(Share s, Request r) {
        Inode n = s.node(r);
        byte[] name = r.cstring(FuseAbi.NAME_MAX);
        r.end();
        s.writable();
        if (name.length == 0) throw new FuseError(Errno.EINVAL);
        refuseUnlessSettable(n, name);
        int fd = s.reopen(n, Libc.O_RDONLY);
        try {
            FuseError.check(FileSyscalls.fremovexattr(fd, name));
        } finally {
            FileSyscalls.close(fd);
        }
    }
}
