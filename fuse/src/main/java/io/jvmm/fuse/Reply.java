package io.jvmm.fuse;

import io.jvmm.kvm.sys.FileStat;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * The reply being built for one request: the payload after {@code fuse_out_header}, little-endian,
 * in a heap buffer; or, for READ, bytes the server has already put into the reply buffers directly
 * ({@link #direct}). The server adds the header and copies the payload out.
 */
final class Reply {
    /** The device-writable buffers: header at 0, payload from 16. */
    final List<MemorySegment> segments;

    final long capacity;
    private byte[] buf = new byte[128];
    private int len;
    /** Bytes of payload written straight into {@link #segments} (READ), or -1. */
    long direct = -1;
    /** FORGET-type requests have no reply at all. */
    boolean none;

    Reply(List<MemorySegment> segments) {
        this.segments = segments;
        this.capacity = Segments.length(segments);
    }

    /** Room for payload after the header. */
    long room() {
        return Math.max(0, capacity - FuseAbi.OUT_HEADER);
    }

    int size() {
        return len;
    }

    byte[] array() {
        return buf;
    }

    private void grow(int n) {
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }

    Reply u16(int v) {
        grow(2);
        buf[len++] = (byte) v;
        buf[len++] = (byte) (v >>> 8);
        return this;
    }

    Reply u32(int v) {
        grow(4);
        for (int i = 0; i < 4; i++) buf[len++] = (byte) (v >>> 8 * i);
        return this;
    }

    Reply u64(long v) {
        grow(8);
        for (int i = 0; i < 8; i++) buf[len++] = (byte) (v >>> 8 * i);
        return this;
    }

    Reply bytes(byte[] b, int off, int n) {
        grow(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    Reply zeros(int n) {
        grow(n);
        len += n; // the buffer is zero beyond len: it only grows, and nothing is written past len
        return this;
    }

    /** Pads with zeros to a multiple of 8 (FUSE_DIRENT_ALIGN). */
    Reply align8() {
        return zeros((8 - (len & 7)) & 7);
    }

    /** {@code struct fuse_attr} for {@code st}, owners mapped through {@code ids}. */
    Reply attr(FileStat st, IdMapping ids) {
        u64(st.ino()).u64(st.size()).u64(st.blocks());
        u64(st.atime()).u64(st.mtime()).u64(st.ctime());
        u32((int) st.atimeNsec()).u32((int) st.mtimeNsec()).u32((int) st.ctimeNsec());
        u32(st.mode()).u32((int) Math.min(st.nlink(), 0xffff_ffffL));
        u32(ids.uidToGuest(st.uid())).u32(ids.gidToGuest(st.gid()));
        u32(encodeDev(st.rdev())).u32((int) st.blksize()).u32(0);
        return this;
    }

    /** glibc's 64-bit dev_t as the kernel's 32-bit new_encode_dev (what fuse_attr.rdev carries). */
    static int encodeDev(long rdev) {
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        return (int) ((minor & 0xff) | (major << 8) | ((minor & ~0xffL) << 12));
    }
}
