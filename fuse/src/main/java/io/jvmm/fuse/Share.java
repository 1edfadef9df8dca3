package io.jvmm.fuse;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileStat;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import java.nio.charset.StandardCharsets;

/**
 * What every operation works with: the node and handle tables, the options, the descriptor of
 * {@code /proc/self/fd}, and the steps operations share (confined lookup, re-open, entry replies,
 * ownership of new files).
 *
 * <p>Re-opening: an O_PATH descriptor cannot be read or written, and openat2 refuses an empty path,
 * so a node is opened for I/O as {@code openat(/proc/self/fd, "N")}, as virtiofsd does. That follows
 * the magic link of our own descriptor N to exactly the file it pins, without any name lookup, so no
 * rename or symlink can redirect it. It is done only for regular files and directories (a symlink's
 * magic link would lead to the link, and opening one is never needed), and N is only ever a
 * descriptor the request holds under the read lock, so it cannot be closed and reused meanwhile.
 */
final class Share {
    final NodeTable nodes;
    final HandleTable handles;
    final ShareOptions options;
    final int procFd;
    /** HANDLE_KILLPRIV_V2 was negotiated: the server clears suid/sgid where the kernel asks. */
    volatile boolean killPrivV2;

    /** A looked-up file: its node and its status at lookup time. */
    record Entry(Inode node, FileStat stat) {}

    Share(NodeTable nodes, HandleTable handles, ShareOptions options, int procFd) {
        this.nodes = nodes;
        this.handles = handles;
        this.options = options;
        this.procFd = procFd;
    }

    Inode node(Request r) {
        return nodes.get(r.nodeId);
    }

    Inode directory(Request r) {
        Inode n = node(r);
        if (!n.isDirectory()) throw new FuseError(Errno.ENOTDIR);
        return n;
    }

    int fd(Inode n) {
        return nodes.fd(n);
    }

    FileStat stat(Inode n) {
        try {
            return FileSyscalls.stat(fd(n));
        } catch (NativeException e) {
            throw new FuseError(e.errno());
        }
    }

    /** EROFS on a read-only share. */
    void writable() {
        if (options.readOnly()) throw new FuseError(Errno.EROFS);
    }

    /** A real descriptor for regular file or directory {@code n}, opened with {@code flags}. */
    int reopen(Inode n, int flags) {
        if (!n.isRegular() && !n.isDirectory()) throw new FuseError(Errno.EACCES);
        int fd = fd(n);
        return (int) FuseError.check(FileSyscalls.openat(
                procFd, Integer.toString(fd).getBytes(StandardCharsets.US_ASCII), flags | Libc.O_CLOEXEC, 0));
    }

    /** Looks {@code name} up in {@code parent} without following a symlink, and counts the lookup. */
    Entry lookup(Inode parent, byte[] name) {
        int fd = (int)
                FuseError.check(FileSyscalls.openat2(fd(parent), name, NodeTable.O_PATH_FLAGS, 0, NodeTable.CONFINED));
        FileStat st;
        try {
            st = FileSyscalls.stat(fd);
        } catch (NativeException e) {
            FileSyscalls.close(fd);
            throw new FuseError(e.errno());
        }
        return new Entry(nodes.intern(parent, name, fd, st), st);
    }

    /** {@code struct fuse_entry_out} for {@code e}. */
    void entry(Reply out, Entry e) {
        long t = options.cache().timeoutSeconds;
        out.u64(e.node().nodeId).u64(0).u64(t).u64(t).u32(0).u32(0).attr(e.stat(), options.ids());
    }

    /** {@code struct fuse_attr_out} for {@code st}. */
    void attrOut(Reply out, FileStat st) {
        out.u64(options.cache().timeoutSeconds).u32(0).u32(0).attr(st, options.ids());
    }

    /**
     * Gives a file the guest just created its owner: the caller (identity) or the invoking user
     * (translate). The group stays as created under a set-group-id directory, as on any Linux file
     * system. Returns the status after the change.
     */
    FileStat own(Entry e, Inode parent, Request r) {
        FileStat st = e.stat();
        IdMapping ids = options.ids();
        int uid = ids.creatorUid(r.uid);
        int gid = (stat(parent).mode() & FileStat.S_ISGID) != 0 ? st.gid() : ids.creatorGid(r.gid);
        if (st.uid() == uid && st.gid() == gid) return st;
        FuseError.check(FileSyscalls.fchownat(
                fd(e.node()), new byte[0], uid, gid, FileSyscalls.AT_EMPTY_PATH | FileSyscalls.AT_SYMLINK_NOFOLLOW));
        return stat(e.node());
    }

    /**
     * Sets exactly the permission bits the guest asked for: the kernel already applied the guest's
     * umask, and the host process's umask must not apply a second time. A directory keeps a
     * set-group-id bit it inherited.
     */
    FileStat exactMode(Inode n, FileStat st, int mode) {
        int want = mode & 07777;
        if (n.isDirectory()) want |= st.mode() & FileStat.S_ISGID;
        if ((st.mode() & 07777) == want || n.isSymlink()) return st;
        chmod(n, want);
        return stat(n);
    }

    /** chmod of a regular file, directory or special file (never a symlink) through its magic link. */
    void chmod(Inode n, int mode) {
        if (n.isSymlink()) throw new FuseError(Errno.EOPNOTSUPP);
        FuseError.check(
                FileSyscalls.fchmodat(procFd, Integer.toString(fd(n)).getBytes(StandardCharsets.US_ASCII), mode));
    }

    /**
     * Clears set-user-id, and set-group-id if group-executable, of the file open as {@code fd}
     * (HANDLE_KILLPRIV_V2: the server runs with CAP_FSETID, so the host kernel would keep them).
     */
    void killSuidGid(int fd) {
        FileStat st;
        try {
            st = FileSyscalls.stat(fd);
        } catch (NativeException e) {
            throw new FuseError(e.errno());
        }
        int mode = st.mode() & 07777;
        int cleared = mode & ~FileStat.S_ISUID;
        if ((mode & FileStat.S_IXGRP) != 0) cleared &= ~FileStat.S_ISGID;
        if (cleared != mode) FuseError.check(FileSyscalls.fchmod(fd, cleared));
    }
}
