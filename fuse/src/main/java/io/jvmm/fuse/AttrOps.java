package io.jvmm.fuse;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileStat;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Requests about one node's metadata: GETATTR, SETATTR, READLINK, ACCESS, STATFS. */
final class AttrOps {
    private static final byte[] EMPTY = new byte[0];
    private static final int R_OK = 4, W_OK = 2, X_OK = 1;

    private AttrOps() {}

    static void getattr(Share s, Request r, Reply out) {
        Inode n = s.node(r);
        r.u32();
        r.u32();
        r.u64(); // fh: the node's own descriptor says the same
        r.end();
        s.attrOut(out, s.stat(n));
    }

    static void setattr(Share s, Request r, Reply out) {
        Inode n = s.node(r);
        int valid = r.u32();
        r.u32();
        long fh = r.u64(), size = r.u64();
        r.u64(); // lock_owner
        long atime = r.u64(), mtime = r.u64();
        r.u64(); // ctime: the host sets it on any change
        int atimeNsec = r.u32(), mtimeNsec = r.u32();
        r.u32();
        int mode = r.u32();
        r.u32();
        int uid = r.u32(), gid = r.u32();
        r.u32();
        r.end();
        s.writable();
        OpenFile f = (valid & FuseAbi.FATTR_FH) != 0 ? s.handles.get(fh, n.nodeId, n.isDirectory()) : null;
        if ((valid & FuseAbi.FATTR_MODE) != 0) {
            if (f != null) FuseError.check(FileSyscalls.fchmod(f.fd(), mode & 07777));
            else s.chmod(n, mode & 07777);
        }
        if ((valid & (FuseAbi.FATTR_UID | FuseAbi.FATTR_GID)) != 0) {
            IdMapping ids = s.options.ids();
            int hu = (valid & FuseAbi.FATTR_UID) != 0 ? ids.uidToHost(uid) : -1;
            int hg = (valid & FuseAbi.FATTR_GID) != 0 ? ids.gidToHost(gid) : -1;
            if ((valid & FuseAbi.FATTR_UID) != 0 && hu < 0 || (valid & FuseAbi.FATTR_GID) != 0 && hg < 0) {
                throw new FuseError(Errno.EPERM); // a guest id with no host id (translate mode)
            }
            FuseError.check(FileSyscalls.fchownat(
                    s.fd(n), EMPTY, hu, hg, FileSyscalls.AT_EMPTY_PATH | FileSyscalls.AT_SYMLINK_NOFOLLOW));
        }
        if ((valid & FuseAbi.FATTR_SIZE) != 0) truncate(s, n, f, size, (valid & FuseAbi.FATTR_KILL_SUIDGID) != 0);
        if ((valid & (FuseAbi.FATTR_ATIME | FuseAbi.FATTR_MTIME)) != 0) {
            long aNsec = (valid & FuseAbi.FATTR_ATIME) == 0
                    ? FileSyscalls.UTIME_OMIT
                    : (valid & FuseAbi.FATTR_ATIME_NOW) != 0
                            ? FileSyscalls.UTIME_NOW
                            : Integer.toUnsignedLong(atimeNsec);
            long mNsec = (valid & FuseAbi.FATTR_MTIME) == 0
                    ? FileSyscalls.UTIME_OMIT
                    : (valid & FuseAbi.FATTR_MTIME_NOW) != 0
                            ? FileSyscalls.UTIME_NOW
                            : Integer.toUnsignedLong(mtimeNsec);
            if (aNsec >= 1_000_000_000L && aNsec < FileSyscalls.UTIME_OMIT
                    || mNsec >= 1_000_000_000L && mNsec < FileSyscalls.UTIME_OMIT) {
                throw new FuseError(Errno.EINVAL);
            }
            FuseError.check(FileSyscalls.utimensat(
                    s.fd(n),
                    EMPTY,
                    atime,
                    aNsec,
                    mtime,
                    mNsec,
                    FileSyscalls.AT_EMPTY_PATH | FileSyscalls.AT_SYMLINK_NOFOLLOW));
        }
        s.attrOut(out, s.stat(n));
    }

    private static void truncate(Share s, Inode n, OpenFile f, long size, boolean killPriv) {
        if (n.isDirectory()) throw new FuseError(Errno.EISDIR);
        if (!n.isRegular()) throw new FuseError(Errno.EINVAL);
        if (size < 0) throw new FuseError(Errno.EINVAL);
        if (f != null && f.writable()) {
            FuseError.check(FileSyscalls.ftruncate(f.fd(), size));
            if (killPriv && s.killPrivV2) s.killSuidGid(f.fd());
            return;
        }
        int fd = s.reopen(n, Libc.O_WRONLY);
        try {
            FuseError.check(FileSyscalls.ftruncate(fd, size));
            if (killPriv && s.killPrivV2) s.killSuidGid(fd);
        } finally {
            FileSyscalls.close(fd);
        }
    }

    static void readlink(Share s, Request r, Reply out) {
        Inode n = s.node(r);
        r.end();
        if (!n.isSymlink()) throw new FuseError(Errno.EINVAL);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(FuseAbi.PATH_MAX + 1);
            long len = FuseError.check(FileSyscalls.readlinkat(s.fd(n), EMPTY, buf));
            byte[] target = buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);
            out.bytes(target, 0, target.length);
        }
    }

    /**
     * ACCESS, decided from the mode bits as the guest sees them (the caller's ids are guest ids): root
     * may read and write anything and execute what has an x bit; others get the owner, group or
     * other bits. Writing on a read-only share is EROFS.
     */
    static void access(Share s, Request r) {
        Inode n = s.node(r);
        int mask = r.u32();
        r.u32();
        r.end();
        FileStat st = s.stat(n);
        if ((mask & W_OK) != 0 && s.options.readOnly()) throw new FuseError(Errno.EROFS);
        if (!allowed(
                st.mode(),
                s.options.ids().uidToGuest(st.uid()),
                s.options.ids().gidToGuest(st.gid()),
                r.uid,
                r.gid,
                mask)) {
            throw new FuseError(Errno.EACCES);
        }
    }

    /** The permission check of {@link #access}, on guest ids. */
    static boolean allowed(int mode, int ownerUid, int ownerGid, int uid, int gid, int mask) {
        mask &= R_OK | W_OK | X_OK;
        if (mask == 0) return true;
        if (uid == 0) {
            boolean dir = (mode & FileStat.S_IFMT) == FileStat.S_IFDIR;
            return (mask & X_OK) == 0 || dir || (mode & 0111) != 0;
        }
        int bits = uid == ownerUid ? mode >>> 6 : gid == ownerGid ? mode >>> 3 : mode;
        return (bits & mask & 7) == mask;
    }

    static void statfs(Share s, Request r, Reply out) {
        Inode n = s.node(r);
        r.end();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(FileSyscalls.STATFS_SIZE, 8);
            FuseError.check(FileSyscalls.fstatfs(s.fd(n), st));
            out.u64(st.get(JAVA_LONG, 16))
                    .u64(st.get(JAVA_LONG, 24))
                    .u64(st.get(JAVA_LONG, 32)); // blocks, bfree, bavail
            out.u64(st.get(JAVA_LONG, 40)).u64(st.get(JAVA_LONG, 48)); // files, ffree
            out.u32((int) st.get(JAVA_LONG, 8)).u32((int) st.get(JAVA_LONG, 64)).u32((int)
                    st.get(JAVA_LONG, 72)); // bsize, namelen, frsize
            out.u32(0).zeros(24);
        }
    }
}
