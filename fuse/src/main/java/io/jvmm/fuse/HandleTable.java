package io.jvmm.fuse;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileSyscalls;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The file handles the guest holds, at most {@code max}: one more open is refused with ENFILE. A
 * handle the guest did not get, already released, or of the wrong kind is refused with EBADF. Handle
 * numbers are never reused. Descriptors are closed only under the server's write lock.
 */
final class HandleTable {
    private final Map<Long, OpenFile> handles = new HashMap<>();
    private final int max;
    private long next = 1;

    HandleTable(int max) {
        this.max = max;
    }

    /** Registers {@code fd}; closes it and throws ENFILE when the table is full. */
    synchronized OpenFile add(Inode node, int fd, boolean directory, boolean writable, int flags) {
        if (handles.size() >= max) {
            FileSyscalls.close(fd);
            throw new FuseError(Errno.ENFILE);
        }
        OpenFile f = new OpenFile(next++, node, fd, directory, writable, flags);
        handles.put(f.fh(), f);
        return f;
    }

    /** Every handle, for a snapshot. */
    synchronized List<OpenFile> all() {
        return List.copyOf(handles.values());
    }

    synchronized long next() {
        return next;
    }

    /** Puts back a handle from a snapshot (its number kept; {@code fd} -1 when its file is gone). */
    synchronized void restore(OpenFile f, long nextFh) {
        handles.put(f.fh(), f);
        next = Math.max(next, nextFh);
    }

    /** ENFILE when the table is full (checked before work that would have to be undone). */
    synchronized void ensureRoom() {
        if (handles.size() >= max) throw new FuseError(Errno.ENFILE);
    }

    /** The handle {@code fh} of node {@code nodeId} and the given kind; EBADF otherwise. */
    synchronized OpenFile get(long fh, long nodeId, boolean directory) {
        OpenFile f = handles.get(fh);
        if (f == null || f.directory() != directory || f.node().nodeId != nodeId) throw new FuseError(Errno.EBADF);
        if (f.fd() < 0) throw new FuseError(Errno.ESTALE);
        return f;
    }

    /** A file handle whatever node it belongs to (COPY_FILE_RANGE's source and target). */
    synchronized OpenFile getFile(long fh) {
        OpenFile f = handles.get(fh);
        if (f == null || f.directory()) throw new FuseError(Errno.EBADF);
        if (f.fd() < 0) throw new FuseError(Errno.ESTALE);
        return f;
    }

    /** Releases {@code fh}; EBADF when it is not a handle of that kind. Caller holds the write lock. */
    synchronized void release(long fh, long nodeId, boolean directory) {
        OpenFile f = handles.get(fh);
        if (f == null || f.directory() != directory || f.node().nodeId != nodeId) throw new FuseError(Errno.EBADF);
        handles.remove(fh);
        if (f.fd() >= 0) FileSyscalls.close(f.fd());
    }

    synchronized int size() {
        return handles.size();
    }

    /** Closes every handle. Caller holds the write lock. */
    synchronized void clear() {
        for (OpenFile f : List.copyOf(handles.values())) {
            if (f.fd() >= 0) FileSyscalls.close(f.fd());
        }
        handles.clear();
    }
}
