package io.jvmm.fuse;

import io.jvmm.kvm.sys.Errno;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * One FUSE request: the decoded {@code fuse_in_header} and a cursor over the arguments after it.
 * Every read is bounds-checked against the length the header declared (which the server has checked
 * against the buffers), and a short or malformed argument is EINVAL, never an exception of its own.
 */
final class Request {
    final int len, opcode;
    final long unique, nodeId;
    final int uid, gid, pid;
    /** The readable buffers, for WRITE's data (read straight from guest memory). */
    final List<MemorySegment> segments;

    private final byte[] body;
    private int pos;

    Request(byte[] header, byte[] body, List<MemorySegment> segments) {
        this.len = u32(header, 0);
        this.opcode = u32(header, 4);
        this.unique = u64(header, 8);
        this.nodeId = u64(header, 16);
        this.uid = u32(header, 24);
        this.gid = u32(header, 28);
        this.pid = u32(header, 32);
        this.body = body;
        this.segments = segments;
    }

    static int u32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    static long u64(byte[] b, int at) {
        return (u32(b, at) & 0xffff_ffffL) | (long) u32(b, at + 4) << 32;
    }

    /** Bytes of arguments after the header (the declared length less 40). */
    int bodyLength() {
        return len - FuseAbi.IN_HEADER;
    }

    private void need(int n) {
        if (n < 0 || pos > body.length - n) throw new FuseError(Errno.EINVAL);
    }

    int u32() {
        need(4);
        int v = u32(body, pos);
        pos += 4;
        return v;
    }

    long u64() {
        need(8);
        long v = u64(body, pos);
        pos += 8;
        return v;
    }

    void skip(int n) {
        need(n);
        pos += n;
    }

    /** Bytes up to the next NUL (which is consumed); EINVAL when there is none or it is longer than {@code max}. */
    byte[] cstring(int max) {
        int end = pos;
        while (end < body.length && body[end] != 0) end++;
        if (end == body.length || end - pos > max)
            throw new FuseError(end - pos > max ? Errno.ENAMETOOLONG : Errno.EINVAL);
        byte[] s = Arrays.copyOfRange(body, pos, end);
        pos = end + 1;
        return s;
    }

    /** A single path component: not empty, not '.' or '..', no '/'; the kernel never sends anything else. */
    byte[] name() {
        byte[] n = cstring(FuseAbi.NAME_MAX);
        Names.check(n);
        return n;
    }

    /** The rest of the arguments, {@code n} bytes of them. */
    byte[] bytes(int n) {
        need(n);
        byte[] b = Arrays.copyOfRange(body, pos, pos + n);
        pos += n;
        return b;
    }

    /** Asserts that every argument byte was used: trailing bytes mean a malformed request. */
    void end() {
        if (pos != body.length) throw new FuseError(Errno.EINVAL);
    }
}
