package io.jvmm.fuse;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileStat;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import java.nio.charset.StandardCharsets;

/**
 * Requests that name a file in a directory: LOOKUP, MKNOD, MKDIR, SYMLINK, UNLINK, RMDIR, RENAME(2),
 * LINK, CREATE. Each name is one validated component ({@link Request#name()}) used relative to the
 * parent node's descriptor, by a call that does not follow a final symlink.
 */
final class NameOps {
    private static final byte[] EMPTY = new byte[0];

    private NameOps() {}

    static void lookup(Share s, Request r, Reply out) {
        Inode parent = s.directory(r);
        byte[] name = r.name();
        r.end();
        s.entry(out, s.lookup(parent, name));
    }

    static void mknod(Share s, Request r, Reply out) {
        Inode parent = s.directory(r);
        int mode = r.u32(), rdev = r.u32();
        r.u32(); // umask: the kernel applied it already (DONT_MASK is not negotiated)
        r.u32();
        byte[] name = r.name();
        r.end();
        s.writable();
        int type = mode & FileStat.S_IFMT;
        switch (type) {
            case FileStat.S_IFREG, FileStat.S_IFIFO, FileStat.S_IFSOCK -> {}
            case FileStat.S_IFCHR, FileStat.S_IFBLK -> {
                if (!s.options.allowDevices()) throw new FuseError(Errno.EPERM);
            }
            default -> throw new FuseError(Errno.EINVAL);
        }
        FuseError.check(FileSyscalls.mknodat(s.fd(parent), name, mode, Integer.toUnsignedLong(rdev)));
        created(s, r, out, parent, name, mode);
    }

    static void mkdir(Share s, Request r, Reply out) {
        Inode parent = s.directory(r);
        int mode = r.u32();
        r.u32();
        byte[] name = r.name();
        r.end();
        s.writable();
        FuseError.check(FileSyscalls.mkdirat(s.fd(parent), name, mode & 07777));
        created(s, r, out, parent, name, mode);
    }

    static void symlink(Share s, Request r, Reply out) {
        Inode parent = s.directory(r);
        byte[] name = r.name();
        byte[] target = r.cstring(FuseAbi.PATH_MAX);
        r.end();
        s.writable();
        if (target.length == 0) throw new FuseError(Errno.ENOENT);
        // The target is stored as text; the host never resolves it (every lookup refuses symlinks).
        FuseError.check(FileSyscalls.symlinkat(target, s.fd(parent), name));
        created(s, r, out, parent, name, -1);
    }

    /** Looks the new file up, gives it its owner and exact mode, and answers with its entry. */
    private static void created(Share s, Request r, Reply out, Inode parent, byte[] name, int mode) {
        Share.Entry e = s.lookup(parent, name);
        FileStat st = s.own(e, parent, r);
        if (mode >= 0) st = s.exactMode(e.node(), st, mode);
        s.entry(out, new Share.Entry(e.node(), st));
    }

    static void unlink(Share s, Request r, boolean directory) {
        Inode parent = s.directory(r);
        byte[] name = r.name();
        r.end();
        s.writable();
        FuseError.check(FileSyscalls.unlinkat(s.fd(parent), name, directory ? FileSyscalls.AT_REMOVEDIR : 0));
    }

    static void rename(Share s, Request r, boolean two) {
        Inode parent = s.directory(r);
        long newDirId = r.u64();
        int flags = 0;
        if (two) {
            flags = r.u32();
            r.u32();
        }
        byte[] oldName = r.name();
        byte[] newName = r.name();
        r.end();
        s.writable();
        if ((flags & ~(FileSyscalls.RENAME_NOREPLACE | FileSyscalls.RENAME_EXCHANGE)) != 0)
            throw new FuseError(Errno.EINVAL);
        Inode newParent = s.nodes.get(newDirId);
        if (!newParent.isDirectory()) throw new FuseError(Errno.ENOTDIR);
        int from = s.fd(parent), to = s.fd(newParent);
        Inode moved = known(s, from, oldName);
        Inode swapped = (flags & FileSyscalls.RENAME_EXCHANGE) != 0 ? known(s, to, newName) : null;
        FuseError.check(FileSyscalls.renameat2(from, oldName, to, newName, flags));
        if (moved != null) s.nodes.moved(moved, newParent, newName);
        if (swapped != null) s.nodes.moved(swapped, parent, oldName);
    }

    /** The node of {@code name} in {@code dirFd} if the guest holds one (to keep its last location right). */
    private static Inode known(Share s, int dirFd, byte[] name) {
        long fd = FileSyscalls.openat2(dirFd, name, NodeTable.O_PATH_FLAGS, 0, NodeTable.CONFINED);
        if (fd < 0) return null;
        try {
            return s.nodes.find(FileSyscalls.stat((int) fd));
        } finally {
            FileSyscalls.close((int) fd);
        }
    }

    static void link(Share s, Request r, Reply out) {
        Inode parent = s.directory(r);
        Inode old = s.nodes.get(r.u64());
        byte[] name = r.name();
        r.end();
        s.writable();
        if (old.isDirectory()) throw new FuseError(Errno.EPERM);
        int oldFd = s.fd(old);
        long rc = FileSyscalls.linkat(oldFd, EMPTY, s.fd(parent), name, FileSyscalls.AT_EMPTY_PATH);
        if (rc == -Errno.ENOENT && !old.isSymlink()) {
            // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; without it, link through our own magic link.
            rc = FileSyscalls.linkat(
                    s.procFd,
                    Integer.toString(oldFd).getBytes(StandardCharsets.US_ASCII),
                    s.fd(parent),
                    name,
                    FileSyscalls.AT_SYMLINK_FOLLOW);
        }
        FuseError.check(rc);
        s.entry(out, s.lookup(parent, name));
    }

    /** Open flags a guest may pass on: access mode, append, truncate and the sync flags. */
    static final int OPEN_FLAGS =
            FileSyscalls.O_ACCMODE | Libc.O_APPEND | FileSyscalls.O_TRUNC | FileSyscalls.O_DSYNC | FileSyscalls.O_SYNC;

    static void create(Share s, Request r, Reply out) {
        Inode parent = s.directory(r);
        int flags = r.u32(), mode = r.u32();
        r.u32();
        int openFlags = r.u32();
        byte[] name = r.name();
        r.end();
        s.writable();
        if ((mode & FileStat.S_IFMT) != FileStat.S_IFREG && (mode & FileStat.S_IFMT) != 0)
            throw new FuseError(Errno.EINVAL);
        if ((flags & FileSyscalls.O_ACCMODE) == FileSyscalls.O_ACCMODE) throw new FuseError(Errno.EINVAL);
        s.handles.ensureRoom();
        int dirFd = s.fd(parent);
        // O_EXCL first: the server then knows it made the file (and must give it its owner), and
        // O_CREAT|O_EXCL never opens anything that was already there.
        long fd = FileSyscalls.openat2(
                dirFd,
                name,
                (flags & OPEN_FLAGS) | Libc.O_CREAT | FileSyscalls.O_EXCL | FileSyscalls.O_NOFOLLOW | Libc.O_CLOEXEC,
                mode & 07777,
                NodeTable.CONFINED);
        boolean createdIt = fd >= 0;
        int file;
        int path;
        if (createdIt) {
            file = (int) fd;
            path = (int) FileSyscalls.openat(
                    s.procFd,
                    Integer.toString(file).getBytes(StandardCharsets.US_ASCII),
                    NodeTable.O_PATH_FLAGS & ~FileSyscalls.O_NOFOLLOW,
                    0);
            if (path < 0) {
                FileSyscalls.close(file);
                throw new FuseError(-path);
            }
        } else {
            if (fd != -Errno.EEXIST || (flags & FileSyscalls.O_EXCL) != 0) throw new FuseError((int) -fd);
            // Already there: look at it without opening it, and open it only if it is a regular file (a
            // FIFO would block the device thread, a device node is not the guest's to open here).
            path = (int)
                    FuseError.check(FileSyscalls.openat2(dirFd, name, NodeTable.O_PATH_FLAGS, 0, NodeTable.CONFINED));
            file = -1;
        }
        Share.Entry e;
        try {
            FileStat st = FileSyscalls.stat(path);
            if (!st.isRegular())
                throw new FuseError(st.isDirectory() ? Errno.EISDIR : st.isSymlink() ? Errno.ELOOP : Errno.EACCES);
            if (file < 0) {
                file = (int) FuseError.check(FileSyscalls.openat(
                        s.procFd,
                        Integer.toString(path).getBytes(StandardCharsets.US_ASCII),
                        (flags & OPEN_FLAGS) | Libc.O_CLOEXEC,
                        0));
            }
            e = new Share.Entry(s.nodes.intern(parent, name, path, st), st);
        } catch (RuntimeException ex) {
            FileSyscalls.close(path);
            if (file >= 0) FileSyscalls.close(file);
            throw ex;
        }
        FileStat st = e.stat();
        if (createdIt) st = s.exactMode(e.node(), s.own(e, parent, r), mode);
        if (s.killPrivV2 && (openFlags & FuseAbi.OPEN_KILL_SUIDGID) != 0 && (flags & FileSyscalls.O_TRUNC) != 0)
            s.killSuidGid(file);
        boolean writable = (flags & FileSyscalls.O_ACCMODE) != Libc.O_RDONLY;
        OpenFile f = s.handles.add(e.node(), file, false, writable, flags & OPEN_FLAGS & ~FileSyscalls.O_TRUNC);
        s.entry(out, new Share.Entry(e.node(), st));
        out.u64(f.fh()).u32(s.options.cache().fileOpenFlags).u32(0);
    }
}
