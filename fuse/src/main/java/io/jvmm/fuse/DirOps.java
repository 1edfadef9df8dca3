package io.jvmm.fuse;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * OPENDIR and READDIR/READDIRPLUS: a directory handle is a real descriptor of the directory; each
 * READDIR seeks it to the guest's offset (the previous entry's d_off cookie) and reads entries with
 * getdents64 until the reply is full, so the server keeps no listing state between requests.
 */
final class DirOps {
    private static final int GETDENTS_BUFFER = 32 * 1024;

    private DirOps() {}

    static void opendir(Share s, Request r, Reply out) {
        Inode n = s.node(r);
        r.u32();
        r.u32();
        r.end();
        if (!n.isDirectory()) throw new FuseError(Errno.ENOTDIR);
        s.handles.ensureRoom();
        int fd = s.reopen(n, Libc.O_RDONLY | FileSyscalls.O_DIRECTORY);
        OpenFile f = s.handles.add(n, fd, true, false, Libc.O_RDONLY | FileSyscalls.O_DIRECTORY);
        out.u64(f.fh()).u32(s.options.cache().dirOpenFlags).u32(0);
    }

    static void readdir(Share s, Request r, Reply out, boolean plus) {
        long fh = r.u64(), offset = r.u64();
        int size = r.u32();
        r.u32();
        r.u64();
        r.u32();
        r.u32();
        r.end();
        OpenFile f = s.handles.get(fh, r.nodeId, true);
        long limit = Math.min(Math.min(Integer.toUnsignedLong(size), out.room()), FuseAbi.MAX_WRITE);
        synchronized (f) { // seek and read belong together
            FuseError.check(FileSyscalls.lseek(f.fd(), offset, FileSyscalls.SEEK_SET));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(GETDENTS_BUFFER, 8);
                while (true) {
                    long n = FuseError.check(FileSyscalls.getdents64(f.fd(), buf));
                    if (n == 0) return;
                    for (long at = 0; at < n; ) {
                        int reclen = buf.get(JAVA_SHORT, at + 16) & 0xffff;
                        if (!emit(s, f, buf, at, out, limit, plus)) return;
                        at += reclen;
                    }
                }
            }
        }
    }

    /** Adds one {@code linux_dirent64} at {@code at} to the reply; false when it does not fit. */
    private static boolean emit(Share s, OpenFile f, MemorySegment buf, long at, Reply out, long limit, boolean plus) {
        long ino = buf.get(JAVA_LONG, at), off = buf.get(JAVA_LONG, at + 8);
        int type = buf.get(JAVA_BYTE, at + 18) & 0xff;
        MemorySegment nameStart = buf.asSlice(at + 19);
        int nameLen = 0;
        while (nameStart.get(JAVA_BYTE, nameLen) != 0) nameLen++;
        byte[] name = nameStart.asSlice(0, nameLen).toArray(JAVA_BYTE);
        int record = ((plus ? FuseAbi.ENTRY_OUT : 0) + FuseAbi.DIRENT + nameLen + 7) & ~7;
        if (out.size() + record > limit) return false;
        // Each READDIRPLUS entry may open a descriptor: past the bound, end the reply here and let
        // the next request (which evicts first) go on, so one request cannot overshoot it by much.
        if (plus && out.size() > 0 && s.nodes.overBound()) return false;
        if (plus) {
            Share.Entry e = null;
            if (!Names.isDotOrDotDot(name, 0, nameLen)) {
                try {
                    e = s.lookup(f.node(), name);
                } catch (FuseError gone) {
                    // Removed since getdents: listed without attributes (node id 0), as the kernel allows.
                }
            }
            if (e != null) {
                s.entry(out, e);
            } else {
                out.zeros(FuseAbi.ENTRY_OUT); // node id 0: the kernel makes no dentry for it
            }
        }
        out.u64(ino).u64(off).u32(nameLen).u32(type).bytes(name, 0, nameLen).align8();
        return true;
    }
}
