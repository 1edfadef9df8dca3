package io.jvmm.image.rootfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Node} tree as an uncompressed EROFS image (the on-disk format of Linux's
 * fs/erofs/erofs_fs.h), readable by Linux 5.4 and later:
 *
 * <pre>
 * block 0            boot area; the superblock at byte 1024
 * blocks 1..M        metadata: 64-byte extended inodes (32-byte slots; nid = offset / 32), each
 *                    followed by its inline xattrs and, for FLAT_INLINE, the tail of its data
 * blocks M+1..end    data: whole blocks of file contents, directory blocks, long symlinks
 * </pre>
 *
 * Block size 4096 (the kernel wants it equal to the page size). Directories are blocks of sorted
 * dirents (".", ".." included); a data tail goes inline after the inode when it fits in the inode's
 * block, otherwise the inode is FLAT_PLAIN. No compression, no shared xattrs, no chunks: the
 * guest kernel would have to decompress in its (slow) emulated code, and plain data is what
 * loop/virtio-blk read fastest.
 */
final class ErofsWriter {
    static final int BLKBITS = 12;
    static final int BLK = 1 << BLKBITS;
    static final int MAGIC = 0xE0F5E1E2;
    static final int SUPER_OFFSET = 1024;
    static final int INODE_SIZE = 64; // extended inode

    static final int FLAT_PLAIN = 0;
    static final int FLAT_INLINE = 2;
    /**
     * The metadata area is written through a window of this size, never held whole: it grows by up
     * to a block per file (inline data). The largest inode (xattrs up to 256 KiB, a tail under a
     * block) fits with a block to spare.
     */
    static final int META_WINDOW = 1 << 20;

    /** Statistics of a written image. */
    record Stats(long blocks, long inodes, long dataBytes) {}

    private static final class Ino {
        final Node node;
        final int index;
        Ino parent;
        int nlink;
        long size;
        byte[] xattrBody = new byte[0];
        boolean inline;
        long metaPos;
        long blocks; // data blocks outside the metadata area
        long blkaddr;
        // directories
        List<byte[]> names;
        List<Ino> targets;
        int[] blockStarts;

        Ino(Node node, int index) {
            this.node = node;
            this.index = index;
        }

        long nid() {
            return metaPos >> 5;
        }

        int tail() {
            return inline ? (int) (size % BLK) : 0;
        }
    }

    private final Spool spool;
    private final List<Ino> inodes = new ArrayList<>();

    ErofsWriter(Spool spool) {
        this.spool = spool;
    }

    Stats write(Node root, FileChannel out) throws IOException {
        collect(root);
        layoutMeta();
        long metaBlocks = 0;
        for (Ino i : inodes) {
            long end = i.metaPos + INODE_SIZE + i.xattrBody.length + i.tail();
            metaBlocks = Math.max(metaBlocks, (end + BLK - 1) >> BLKBITS);
        }
        long next = 1 + metaBlocks;
        for (Ino i : inodes) {
            if (i.blocks > 0) {
                i.blkaddr = next;
                next += i.blocks;
            }
        }
        long totalBlocks = next;
        if (totalBlocks > 0xffffffffL) throw new RootfsException("the image would exceed 16 TiB");

        out.truncate(0);
        MessageDigest metaHash = sha256();
        writeMeta(out, metaBlocks * BLK, metaHash);
        byte[] uuid = uuid(metaHash);
        long dataBytes = 0;
        for (Ino i : inodes) if (i.node.isRegular()) dataBytes += i.size;

        ByteBuffer sb = ByteBuffer.allocate(BLK).order(ByteOrder.LITTLE_ENDIAN);
        sb.position(SUPER_OFFSET);
        sb.putInt(MAGIC);
        sb.putInt(0); // checksum (no SB_CHKSUM feature)
        sb.putInt(0); // feature_compat
        sb.put((byte) BLKBITS);
        sb.put((byte) 0); // sb_extslots
        long rootNid = inodes.get(0).nid();
        sb.putShort((short) rootNid);
        sb.putLong(inodes.size()); // inos
        sb.putLong(0); // build_time (only for compact inodes, which we do not use)
        sb.putInt(0); // build_time_nsec
        sb.putInt((int) totalBlocks);
        sb.putInt(1); // meta_blkaddr
        sb.putInt(0); // xattr_blkaddr (no shared xattrs)
        sb.put(uuid);
        byte[] vol = Arrays.copyOf("rootfs".getBytes(StandardCharsets.US_ASCII), 16);
        sb.put(vol);
        sb.putInt(0); // feature_incompat
        // the rest (compression, devices, dirblkbits = 0, packed nid) stays zero
        sb.clear();

        writeFully(out, sb, 0);
        for (Ino i : inodes) writeData(out, i);
        // Trailing padding: make the file exactly totalBlocks long (holes read as zeros).
        long fileSize = totalBlocks * BLK;
        if (out.size() < fileSize) writeFully(out, ByteBuffer.allocate(1), fileSize - 1);
        return new Stats(totalBlocks, inodes.size(), dataBytes);
    }

    // ---------------------------------------------------------------------------------------------

    /** Numbers the inodes breadth-first (root = 0) and computes link counts, sizes and dirents. */
    private void collect(Node root) throws IOException {
        Map<Node, Ino> seen = new IdentityHashMap<>();
        Ino r = new Ino(root, 0);
        r.parent = r;
        seen.put(root, r);
        inodes.add(r);
        ArrayDeque<Ino> queue = new ArrayDeque<>();
        queue.add(r);
        while (!queue.isEmpty()) {
            Ino dir = queue.poll();
            List<Map.Entry<byte[], Node>> kids = new ArrayList<>();
            for (Map.Entry<String, Node.Child> e : dir.node.children.entrySet()) {
                kids.add(Map.entry(e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue().node));
            }
            kids.sort((a, b) -> Arrays.compareUnsigned(a.getKey(), b.getKey()));
            List<byte[]> names = new ArrayList<>(kids.size() + 2);
            List<Ino> targets = new ArrayList<>(kids.size() + 2);
            int subdirs = 0;
            for (Map.Entry<byte[], Node> k : kids) {
                Ino ino = seen.get(k.getValue());
                if (ino == null) {
                    ino = new Ino(k.getValue(), inodes.size());
                    seen.put(k.getValue(), ino);
                    inodes.add(ino);
                    if (ino.node.isDir()) {
                        ino.parent = dir;
                        queue.add(ino);
                    }
                }
                if (ino.node.isDir()) subdirs++;
                else ino.nlink++;
                names.add(k.getKey());
                targets.add(ino);
            }
            names.add(".".getBytes(StandardCharsets.US_ASCII));
            targets.add(dir);
            names.add("..".getBytes(StandardCharsets.US_ASCII));
            targets.add(dir.parent);
            // Sort again with "." and "..": EROFS looks names up by binary search over all of them.
            Integer[] order = new Integer[names.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(names.get(a), names.get(b)));
            dir.names = new ArrayList<>(order.length);
            dir.targets = new ArrayList<>(order.length);
            for (Integer o : order) {
                dir.names.add(names.get(o));
                dir.targets.add(targets.get(o));
            }
            dir.nlink = 2 + subdirs;
        }
        for (Ino i : inodes) {
            Node n = i.node;
            if (n.isDir()) i.size = dirLayout(i);
            else if (n.isRegular()) i.size = n.dataLength;
            else if (n.isSymlink()) i.size = n.target.length;
            else i.size = 0;
            i.xattrBody = ErofsXattrs.body(n.xattrs);
            if (i.xattrBody.length > ErofsXattrs.HEADER + 4 * 65534L) {
                throw new RootfsException("xattrs of one file are larger than EROFS can store inline");
            }
        }
    }

    /** Packs the dirents of a directory into blocks; returns the directory size. */
    private static long dirLayout(Ino d) {
        List<Integer> starts = new ArrayList<>();
        int used = 0;
        for (int k = 0; k < d.names.size(); k++) {
            int need = 12 + d.names.get(k).length;
            if (k == 0 || used + need > BLK) {
                starts.add(k);
                if (k != 0) used = 0;
            }
            used += need;
        }
        d.blockStarts = starts.stream().mapToInt(Integer::intValue).toArray();
        return (long) (starts.size() - 1) * BLK + used;
    }

    /** Places inodes (32-byte aligned), keeping an inode with its xattrs and inline tail in one block. */
    private void layoutMeta() {
        long pos = 0;
        for (Ino i : inodes) {
            int head = INODE_SIZE + i.xattrBody.length;
            int tail = (int) (i.size % BLK);
            boolean hasData = i.node.isDir() || i.node.isRegular() || i.node.isSymlink();
            i.inline = hasData && tail > 0 && head + tail <= BLK;
            int total = head + i.tail();
            pos = (pos + 31) & ~31L;
            if (total <= BLK && (pos % BLK) + total > BLK) pos = (pos + BLK - 1) & ~(long) (BLK - 1);
            i.metaPos = pos;
            pos += total;
            if (hasData) i.blocks = i.inline ? i.size / BLK : (i.size + BLK - 1) / BLK;
        }
    }

    /**
     * Writes the metadata area ({@code size} bytes from block 1) window by window, in inode order
     * (which is metaPos order), and feeds every byte to {@code hash}.
     */
    private void writeMeta(FileChannel out, long size, MessageDigest hash) throws IOException {
        ByteBuffer window = ByteBuffer.allocate(META_WINDOW).order(ByteOrder.LITTLE_ENDIAN);
        long start = 0; // offset in the metadata area of window[0]
        for (Ino i : inodes) {
            long end = i.metaPos + INODE_SIZE + i.xattrBody.length + i.tail();
            if (end - start > META_WINDOW - BLK) {
                flushMeta(out, window, start, (int) (i.metaPos - start), hash);
                start = i.metaPos;
            }
            writeInode(window, i, start);
        }
        flushMeta(out, window, start, (int) (size - start), hash);
    }

    /** Writes the first {@code length} bytes of the window at {@code start} and zeroes them for reuse. */
    private static void flushMeta(FileChannel out, ByteBuffer window, long start, int length, MessageDigest hash)
            throws IOException {
        hash.update(window.array(), 0, length);
        writeFully(out, ByteBuffer.wrap(window.array(), 0, length), BLK + start);
        Arrays.fill(window.array(), 0, length, (byte) 0);
    }

    /** Writes inode {@code i} into {@code meta}, whose first byte is at {@code base} in the metadata area. */
    private void writeInode(ByteBuffer meta, Ino i, long base) throws IOException {
        Node n = i.node;
        int p = (int) (i.metaPos - base);
        int layout = i.inline ? FLAT_INLINE : FLAT_PLAIN;
        meta.putShort(p, (short) (1 | (layout << 1))); // extended inode
        int icount = i.xattrBody.length == 0 ? 0 : 1 + (i.xattrBody.length - ErofsXattrs.HEADER) / 4;
        meta.putShort(p + 2, (short) icount);
        meta.putShort(p + 4, (short) n.mode);
        meta.putLong(p + 8, i.size);
        int iu;
        int type = n.type();
        if (type == Node.S_IFCHR || type == Node.S_IFBLK) {
            iu = (n.devMinor & 0xff) | (n.devMajor << 8) | ((n.devMinor & ~0xff) << 12);
        } else {
            iu = (int) i.blkaddr;
        }
        meta.putInt(p + 16, iu);
        meta.putInt(p + 20, i.index + 1);
        meta.putInt(p + 24, (int) n.uid);
        meta.putInt(p + 28, (int) n.gid);
        meta.putLong(p + 32, n.mtimeSec);
        meta.putInt(p + 40, n.mtimeNsec);
        meta.putInt(p + 44, n.isDir() ? i.nlink : Math.max(1, i.nlink));
        meta.put(p + INODE_SIZE, i.xattrBody);
        if (i.inline) {
            int tail = i.tail();
            long from = i.size - tail;
            byte[] t = new byte[tail];
            if (n.isRegular()) spool.readFully(n.dataOffset + from, t, 0, tail);
            else if (n.isSymlink()) System.arraycopy(n.target, (int) from, t, 0, tail);
            else System.arraycopy(dirData(i), (int) from, t, 0, tail);
            meta.put(p + INODE_SIZE + i.xattrBody.length, t);
        }
    }

    private byte[] dirData(Ino d) {
        byte[] data = new byte[(int) ((d.size + BLK - 1) / BLK * BLK)];
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < d.blockStarts.length; blk++) {
            int s = d.blockStarts[blk];
            int e = blk + 1 < d.blockStarts.length ? d.blockStarts[blk + 1] : d.names.size();
            int base = blk * BLK;
            int nameoff = 12 * (e - s);
            for (int k = s; k < e; k++) {
                Ino t = d.targets.get(k);
                byte[] name = d.names.get(k);
                int de = base + 12 * (k - s);
                b.putLong(de, t.nid());
                b.putShort(de + 8, (short) nameoff);
                b.put(de + 10, fileType(t.node));
                System.arraycopy(name, 0, data, base + nameoff, name.length);
                nameoff += name.length;
            }
        }
        return data;
    }

    private static byte fileType(Node n) {
        return switch (n.type()) {
            case Node.S_IFREG -> 1;
            case Node.S_IFDIR -> 2;
            case Node.S_IFCHR -> 3;
            case Node.S_IFBLK -> 4;
            case Node.S_IFIFO -> 5;
            case Node.S_IFSOCK -> 6;
            case Node.S_IFLNK -> 7;
            default -> 0;
        };
    }

    private void writeData(FileChannel out, Ino i) throws IOException {
        if (i.blocks == 0) return;
        long pos = i.blkaddr * BLK;
        long len = i.size - i.tail();
        Node n = i.node;
        if (n.isRegular()) {
            FileChannel src = spool.channel();
            long done = 0;
            out.position(pos);
            while (done < len) {
                long t = src.transferTo(n.dataOffset + done, len - done, out);
                if (t <= 0) throw new IOException("short copy from the spool file");
                done += t;
            }
        } else if (n.isSymlink()) {
            writeFully(out, ByteBuffer.wrap(n.target, 0, (int) len), pos);
        } else if (n.isDir()) {
            byte[] d = dirData(i);
            writeFully(out, ByteBuffer.wrap(d, 0, (int) Math.min(d.length, i.blocks * BLK)), pos);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) pos += ch.write(b, pos);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The image UUID from the hash of the metadata area. */
    private static byte[] uuid(MessageDigest metaHash) {
        byte[] u = Arrays.copyOf(metaHash.digest(), 16);
        u[6] = (byte) ((u[6] & 0x0f) | 0x50); // name-based (SHA) version, RFC 4122 variant
        u[8] = (byte) ((u[8] & 0x3f) | 0x80);
        return u;
    }
}
