package io.jvmm.fuse;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import java.lang.foreign.MemorySegment;

/**
 * Requests on open files: OPEN, READ, WRITE, FLUSH, RELEASE(DIR), FSYNC(DIR), FALLOCATE, LSEEK,
 * COPY_FILE_RANGE. READ lands straight in the reply's guest buffers (preadv) and WRITE comes straight
 * from the request's (pwritev): no copy through the Java heap.
 */
final class FileOps {
    private FileOps() {}

    static void open(Share s, Request r, Reply out) {
        Inode n = s.node(r);
        int flags = r.u32(), openFlags = r.u32();
        r.end();
        if (n.isDirectory()) throw new FuseError(Errno.EISDIR);
        if (!n.isRegular()) throw new FuseError(Errno.EACCES); // the guest opens FIFOs and devices itself
        boolean writable = (flags & FileSyscalls.O_ACCMODE) != Libc.O_RDONLY;
        if (writable || (flags & FileSyscalls.O_TRUNC) != 0) s.writable();
        if ((flags & FileSyscalls.O_ACCMODE) == FileSyscalls.O_ACCMODE) throw new FuseError(Errno.EINVAL);
        s.handles.ensureRoom();
        int fd = s.reopen(n, flags & NameOps.OPEN_FLAGS);
        if (s.killPrivV2 && (openFlags & FuseAbi.OPEN_KILL_SUIDGID) != 0 && (flags & FileSyscalls.O_TRUNC) != 0) {
            try {
                s.killSuidGid(fd);
            } catch (RuntimeException e) {
                FileSyscalls.close(fd);
                throw e;
            }
        }
        OpenFile f = s.handles.add(n, fd, false, writable, flags & NameOps.OPEN_FLAGS & ~FileSyscalls.O_TRUNC);
        out.u64(f.fh()).u32(s.options.cache().fileOpenFlags).u32(0);
    }

    static void read(Share s, Request r, Reply out) {
        long fh = r.u64(), offset = r.u64();
        int size = r.u32();
        r.u32();
        r.u64();
        r.u32();
        r.u32();
        r.end();
        OpenFile f = s.handles.get(fh, r.nodeId, false);
        if (offset < 0) throw new FuseError(Errno.EINVAL);
        long want = Math.min(Math.min(Integer.toUnsignedLong(size), FuseAbi.MAX_WRITE), out.room());
        if (want == 0) {
            out.direct = 0;
            return;
        }
        MemorySegment iov = Segments.iovecs(out.segments, FuseAbi.OUT_HEADER, want);
        out.direct = FuseError.check(
                FileSyscalls.preadv(f.fd(), iov, (int) (iov.byteSize() / Libc.IOVEC.byteSize()), offset));
    }

    static void write(Share s, Request r, Reply out) {
        long fh = r.u64(), offset = r.u64();
        int size = r.u32(), writeFlags = r.u32();
        r.u64();
        r.u32();
        r.u32();
        r.end();
        s.writable();
        OpenFile f = s.handles.get(fh, r.nodeId, false);
        if (!f.writable()) throw new FuseError(Errno.EBADF);
        if (offset < 0 || size < 0 || size > FuseAbi.MAX_WRITE || r.bodyLength() != 40 + size)
            throw new FuseError(Errno.EINVAL);
        if (s.killPrivV2 && (writeFlags & FuseAbi.WRITE_KILL_SUIDGID) != 0) s.killSuidGid(f.fd());
        long written = 0;
        if (size > 0) {
            MemorySegment iov = Segments.iovecs(r.segments, FuseAbi.IN_HEADER + 40L, size);
            written = FuseError.check(
                    FileSyscalls.pwritev(f.fd(), iov, (int) (iov.byteSize() / Libc.IOVEC.byteSize()), offset));
        }
        out.u32((int) written).u32(0);
    }

    static void flush(Share s, Request r) {
        long fh = r.u64();
        r.u32();
        r.u32();
        r.u64();
        r.end();
        s.handles.get(fh, r.nodeId, false); // no POSIX locks to drop; the data is already in the host's cache
    }

    static void release(Share s, Request r, boolean directory) {
        long fh = r.u64();
        r.u32();
        r.u32();
        r.u64();
        r.end();
        s.handles.release(fh, r.nodeId, directory);
    }

    static void fsync(Share s, Request r, boolean directory) {
        long fh = r.u64();
        int flags = r.u32();
        r.u32();
        r.end();
        OpenFile f = s.handles.get(fh, r.nodeId, directory);
        FuseError.check(
                (flags & FuseAbi.FSYNC_FDATASYNC) != 0 ? FileSyscalls.fdatasync(f.fd()) : FileSyscalls.fsync(f.fd()));
    }

    static void fallocate(Share s, Request r) {
        long fh = r.u64(), offset = r.u64(), length = r.u64();
        int mode = r.u32();
        r.u32();
        r.end();
        s.writable();
        OpenFile f = s.handles.get(fh, r.nodeId, false);
        if (!f.writable()) throw new FuseError(Errno.EBADF);
        FuseError.check(FileSyscalls.fallocate(f.fd(), mode, offset, length));
    }

    static void lseek(Share s, Request r, Reply out) {
        long fh = r.u64(), offset = r.u64();
        int whence = r.u32();
        r.u32();
        r.end();
        OpenFile f = s.handles.get(fh, r.nodeId, false);
        if (whence != FileSyscalls.SEEK_DATA && whence != FileSyscalls.SEEK_HOLE) throw new FuseError(Errno.EINVAL);
        // The descriptor's position is not used by pread/pwrite, so moving it here disturbs nothing.
        out.u64(FuseError.check(FileSyscalls.lseek(f.fd(), offset, whence)));
    }

    static void copyFileRange(Share s, Request r, Reply out) {
        long fhIn = r.u64(),
                offIn = r.u64(),
                nodeOut = r.u64(),
                fhOut = r.u64(),
                offOut = r.u64(),
                len = r.u64(),
                flags = r.u64();
        r.end();
        s.writable();
        OpenFile in = s.handles.get(fhIn, r.nodeId, false);
        OpenFile to = s.handles.get(fhOut, nodeOut, false);
        if (!to.writable() || flags != 0 || offIn < 0 || offOut < 0)
            throw new FuseError(flags != 0 ? Errno.EINVAL : Errno.EBADF);
        // fuse_write_out.size is 32 bits: copy at most what it can report.
        long n = Math.min(len, 0x7fff_f000L);
        out.u32((int) FuseError.check(FileSyscalls.copyFileRange(in.fd(), offIn, to.fd(), offOut, n, 0)))
                .u32(0);
    }
}
