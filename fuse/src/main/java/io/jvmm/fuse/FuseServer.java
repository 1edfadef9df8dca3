package io.jvmm.fuse;

import static io.jvmm.fuse.FuseAbi.*;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileStat;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A FUSE server that serves one host directory in passthrough (the file server behind virtio-fs).
 * {@link #handle} takes one request (its bytes, {@code fuse_in_header} first) and writes the reply
 * ({@code fuse_out_header} first) into the reply buffers; it never throws on guest input: a malformed
 * request gets an error reply (EINVAL, EIO, ENOSYS), or no reply when not even a header fits.
 *
 * <p>Confinement: the guest reaches host files only through node ids of files it looked up, each an
 * O_PATH descriptor; every name it sends is a single component looked up relative to such a
 * descriptor with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) or with an
 * {@code *at} call that does not follow a final symlink. See the module README for the argument.
 *
 * <p>Threads: any number of threads may call {@link #handle} (one per virtqueue). Requests run under
 * a read lock; those that close descriptors (FORGET, RELEASE, DESTROY, INIT, eviction) take the write
 * lock, so a descriptor number is never closed, reused and then used by a request in flight.
 */
public final class FuseServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());
    /** Requests with more arguments than a SETXATTR's 64 KiB value and name are malformed (WRITE aside). */
    private static final int MAX_BODY = XATTR_SIZE_MAX + NAME_MAX + 64;

    private final Path dir;
    private final Share share;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean initialized;
    private volatile boolean closed;

    private FuseServer(Path dir, Share share) {
        this.dir = dir;
        this.share = share;
    }

    /**
     * A server for directory {@code dir}. Opens the directory (O_PATH) and {@code /proc/self/fd}, which
     * it keeps for its life, so it works after the process leaves the host's mount namespace.
     */
    public static FuseServer open(Path dir, ShareOptions options) {
        int rootFd = Libc.open(dir.toString(), Libc.O_PATH | FileSyscalls.O_DIRECTORY | Libc.O_CLOEXEC);
        int procFd;
        try {
            procFd = Libc.open("/proc/self/fd", Libc.O_PATH | FileSyscalls.O_DIRECTORY | Libc.O_CLOEXEC);
        } catch (NativeException e) {
            FileSyscalls.close(rootFd);
            throw new IllegalStateException(
                    "virtio-fs needs /proc mounted (it re-opens files through /proc/self/fd): " + e.getMessage(), e);
        }
        FileStat st = FileSyscalls.stat(rootFd);
        NodeTable nodes = new NodeTable(rootFd, st, options.maxNodeFds());
        return new FuseServer(dir, new Share(nodes, new HandleTable(options.maxHandles()), options, procFd));
    }

    public Path directory() {
        return dir;
    }

    public ShareOptions options() {
        return share.options;
    }

    /** Host descriptors the share holds now: node O_PATH descriptors (root included) and open handles. */
    public int openDescriptors() {
        return share.nodes.openFds() + share.handles.size();
    }

    /** Node ids the guest holds now (the root included). */
    public int nodeCount() {
        return share.nodes.size();
    }

    /**
     * Serves one request: {@code request} holds {@code fuse_in_header} and its arguments,
     * {@code reply} receives {@code fuse_out_header} and the answer. Returns the bytes written into
     * {@code reply} (0 for requests that have no reply). Never throws on guest input.
     */
    public int handle(List<MemorySegment> request, List<MemorySegment> reply) {
        long available = Segments.length(request);
        if (available < IN_HEADER) return 0; // not even a header: nothing to answer to
        byte[] header = new byte[IN_HEADER];
        Segments.read(request, 0, header, 0, IN_HEADER);
        int len = Request.u32(header, 0);
        int opcode = Request.u32(header, 4);
        long unique = Request.u64(header, 8);
        Reply out = new Reply(reply);
        int error;
        if (Integer.toUnsignedLong(len) < IN_HEADER || Integer.toUnsignedLong(len) > available) {
            error = Errno.EINVAL;
        } else {
            int bodyLen = opcode == WRITE ? Math.min(len - IN_HEADER, 40) : len - IN_HEADER;
            if (bodyLen > MAX_BODY) {
                error = Errno.EINVAL;
            } else {
                byte[] body = new byte[bodyLen];
                Segments.read(request, IN_HEADER, body, 0, bodyLen);
                error = serve(new Request(header, body, request), out);
            }
        }
        if (out.none && error == 0) return 0;
        return finish(out, unique, error);
    }

    /** Runs the request; returns 0 or the errno of the failure. */
    private int serve(Request r, Reply out) {
        boolean exclusive = switch (r.opcode) {
            case INIT, DESTROY, FORGET, BATCH_FORGET, RELEASE, RELEASEDIR -> true;
            default -> false;
        };
        try {
            if (!exclusive && share.nodes.overBound()) evict();
            Lock l = exclusive ? lock.writeLock() : lock.readLock();
            l.lock();
            try {
                if (closed) return Errno.EIO;
                if (!initialized && r.opcode != INIT) return Errno.EIO;
                dispatch(r, out);
                return 0;
            } finally {
                l.unlock();
            }
        } catch (FuseError e) {
            return e.errno;
        } catch (RuntimeException e) {
            // A server bug, not a guest error: answer EIO and keep serving.
            LOG.log(Level.WARNING, "virtio-fs {0}: {1} failed: {2}", dir, FuseAbi.name(r.opcode), e.toString());
            return Errno.EIO;
        }
    }

    private void evict() {
        lock.writeLock().lock();
        try {
            share.nodes.evict();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void dispatch(Request r, Reply out) {
        switch (r.opcode) {
            case INIT -> init(r, out);
            case DESTROY -> {
                share.handles.clear();
                share.nodes.clear();
                initialized = false;
            }
            case FORGET -> {
                share.nodes.forget(r.nodeId, r.u64());
                out.none = true;
            }
            case BATCH_FORGET -> batchForget(r, out);
            case INTERRUPT -> out.none = true; // requests are served to completion; nothing to interrupt
            case LOOKUP -> NameOps.lookup(share, r, out);
            case MKNOD -> NameOps.mknod(share, r, out);
            case MKDIR -> NameOps.mkdir(share, r, out);
            case SYMLINK -> NameOps.symlink(share, r, out);
            case UNLINK -> NameOps.unlink(share, r, false);
            case RMDIR -> NameOps.unlink(share, r, true);
            case RENAME -> NameOps.rename(share, r, false);
            case RENAME2 -> NameOps.rename(share, r, true);
            case LINK -> NameOps.link(share, r, out);
            case CREATE -> NameOps.create(share, r, out);
            case GETATTR -> AttrOps.getattr(share, r, out);
            case SETATTR -> AttrOps.setattr(share, r, out);
            case READLINK -> AttrOps.readlink(share, r, out);
            case ACCESS -> AttrOps.access(share, r);
            case STATFS -> AttrOps.statfs(share, r, out);
            case OPEN -> FileOps.open(share, r, out);
            case READ -> FileOps.read(share, r, out);
            case WRITE -> FileOps.write(share, r, out);
            case FLUSH -> FileOps.flush(share, r);
            case RELEASE -> FileOps.release(share, r, false);
            case FSYNC -> FileOps.fsync(share, r, false);
            case FALLOCATE -> FileOps.fallocate(share, r);
            case LSEEK -> FileOps.lseek(share, r, out);
            case COPY_FILE_RANGE -> FileOps.copyFileRange(share, r, out);
            case OPENDIR -> DirOps.opendir(share, r, out);
            case READDIR -> DirOps.readdir(share, r, out, false);
            case READDIRPLUS -> DirOps.readdir(share, r, out, true);
            case RELEASEDIR -> FileOps.release(share, r, true);
            case FSYNCDIR -> FileOps.fsync(share, r, true);
            case SETXATTR -> XattrOps.set(share, r);
            case GETXATTR -> XattrOps.get(share, r, out);
            case LISTXATTR -> XattrOps.list(share, r, out);
            case REMOVEXATTR -> XattrOps.remove(share, r);
            default -> throw new FuseError(Errno.ENOSYS);
        }
    }

    /** The flags this server offers in INIT; the reply carries those the kernel offered too. */
    static final int OFFERED = ASYNC_READ
            | BIG_WRITES
            | DO_READDIRPLUS
            | READDIRPLUS_AUTO
            | PARALLEL_DIROPS
            | MAX_PAGES
            | HANDLE_KILLPRIV_V2;

    private void init(Request r, Reply out) {
        int major = r.u32(), minor = r.u32(), maxReadahead = r.u32(), flags = r.u32();
        if (major > KERNEL_VERSION) {
            // The kernel offers a newer major: answer ours alone, it will send INIT again.
            out.u32(KERNEL_VERSION).u32(MINOR);
            return;
        }
        if (major < KERNEL_VERSION || minor < MIN_MINOR) throw new FuseError(Errno.EPROTO);
        share.handles.clear();
        share.nodes.clear();
        int agreed = flags & OFFERED;
        if (share.options.cache() == CacheMode.ALWAYS) agreed |= flags & CACHE_SYMLINKS;
        share.killPrivV2 = (agreed & HANDLE_KILLPRIV_V2) != 0;
        out.u32(KERNEL_VERSION).u32(Math.min(minor, MINOR)).u32(maxReadahead).u32(agreed);
        out.u16(64).u16(48); // max_background, congestion_threshold
        out.u32(MAX_WRITE).u32(1); // max_write, time_gran (nanoseconds)
        out.u16(MAX_PAGES_VALUE).u16(0); // max_pages, map_alignment
        out.u32(0).zeros(28); // flags2, unused[7]
        initialized = true;
    }

    private void batchForget(Request r, Reply out) {
        int count = r.u32();
        r.u32();
        if (count < 0 || (long) count * 16 != r.bodyLength() - 8L) throw new FuseError(Errno.EINVAL);
        for (int i = 0; i < count; i++) share.nodes.forget(r.u64(), r.u64());
        out.none = true;
    }

    /** Writes the header (and the payload unless it went straight to guest memory); returns the used length. */
    private static int finish(Reply out, long unique, int error) {
        if (out.capacity < OUT_HEADER) return 0; // no room even for an error: the guest sees a zero-length reply
        long payload = error != 0 ? 0 : out.direct >= 0 ? out.direct : out.size();
        if (error == 0 && payload > out.room()) {
            error = Errno.EIO; // the kernel sized the buffer; a reply that does not fit is a server bug
            payload = 0;
        }
        byte[] h = new byte[OUT_HEADER];
        putLe(h, 0, OUT_HEADER + payload, 4);
        putLe(h, 4, -error, 4);
        putLe(h, 8, unique, 8);
        Segments.write(out.segments, 0, h, OUT_HEADER);
        if (error == 0 && out.direct < 0 && payload > 0) {
            Segments.write(out.segments, OUT_HEADER, out.array(), (int) payload);
        }
        return (int) (OUT_HEADER + payload);
    }

    private static void putLe(byte[] b, int at, long v, int n) {
        for (int i = 0; i < n; i++) b[at + i] = (byte) (v >>> 8 * i);
    }

    /**
     * Writes the node ids and file handles the guest holds, for a VM snapshot. Call it while the
     * device is paused; it waits for requests in flight.
     */
    public void saveState(DataOutput out) throws IOException {
        lock.writeLock().lock();
        try {
            ServerState.write(share, initialized, out);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * A server for {@code dir} that goes on where a snapshot's {@link #saveState} left off: node ids
     * and handles keep their numbers; a file that changed since is ESTALE for the guest (see
     * docs/virtio-fs.md). Throws IOException with a one-line message for a state it cannot read.
     */
    public static FuseServer restore(Path dir, ShareOptions options, DataInput in) throws IOException {
        FuseServer server = open(dir, options);
        boolean restored = false;
        server.lock.writeLock().lock();
        try {
            server.initialized = ServerState.read(server.share, in);
            restored = true;
            return server;
        } finally {
            server.lock.writeLock().unlock();
            if (!restored) server.close();
        }
    }

    /** Closes every handle and node descriptor, the share's root and /proc/self/fd. Idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            share.handles.clear();
            share.nodes.clear();
            FileSyscalls.close(share.nodes.root().fd);
            FileSyscalls.close(share.procFd);
        } finally {
            lock.writeLock().unlock();
        }
    }
}
