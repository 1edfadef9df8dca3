package io.jvmm.core.jail;

import io.jvmm.kvm.sys.FileStat;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.Seccomp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM that confines itself as a VM process does and then goes on living: {@code seccomp NR} installs
 * the VM process's filter, works (threads, a file in DIR, GC) and makes system call NR ({@code seccomp NR DIR}); {@code drop UID GID FILE}
 * drops its ids and tries to read FILE; {@code fileserver DIR} installs the filter and makes every
 * call of a virtio-fs file server ({@link FileSyscalls}) in DIR. Prints what happened; run by
 * {@link JailTest}.
 */
public final class ConfinedChild {
    private static byte[] n(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Each call prints its name and result: a negative result (-errno) is an answer, SIGSYS is not. */
    private static long call(String name, long r) {
        System.out.println(name + " " + r);
        return r;
    }

    private static void fileServerCalls(Path d) {
        long dir = FileSyscalls.check(
                "open",
                FileSyscalls.openat(
                        FileSyscalls.AT_FDCWD,
                        n(d.toString()),
                        Libc.O_PATH | FileSyscalls.O_DIRECTORY | Libc.O_CLOEXEC,
                        0));
        int dfd = (int) dir;
        long resolve =
                FileSyscalls.RESOLVE_BENEATH | FileSyscalls.RESOLVE_NO_SYMLINKS | FileSyscalls.RESOLVE_NO_MAGICLINKS;
        call("mkdirat", FileSyscalls.mkdirat(dfd, n("sub"), 0755));
        int f = (int) call(
                "openat2",
                FileSyscalls.openat2(
                        dfd,
                        n("f"),
                        Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC | FileSyscalls.O_NOFOLLOW,
                        0644,
                        resolve));
        call("mknodat", FileSyscalls.mknodat(dfd, n("fifo"), 0010644, 0));
        call("symlinkat", FileSyscalls.symlinkat(n("target"), dfd, n("link")));
        try (Arena a = Arena.ofConfined()) {
            call("readlinkat", FileSyscalls.readlinkat(dfd, n("link"), a.allocate(64)));
            call("fstatfs", FileSyscalls.fstatfs(dfd, a.allocate(FileSyscalls.STATFS_SIZE)));
            MemorySegment v = a.allocate(8);
            call("fsetxattr", FileSyscalls.fsetxattr(f, n("user.k"), v, 0));
            call("fgetxattr", FileSyscalls.fgetxattr(f, n("user.k"), v));
            call("flistxattr", FileSyscalls.flistxattr(f, a.allocate(64)));
            call("fremovexattr", FileSyscalls.fremovexattr(f, n("user.k")));
        }
        call("linkat", FileSyscalls.linkat(dfd, n("f"), dfd, n("g"), 0));
        call("renameat2", FileSyscalls.renameat2(dfd, n("g"), dfd, n("h"), FileSyscalls.RENAME_NOREPLACE));
        call("fchmodat", FileSyscalls.fchmodat(dfd, n("f"), 0600));
        call("fchmod", FileSyscalls.fchmod(f, 0640));
        call("fchownat", FileSyscalls.fchownat(dfd, n("f"), -1, -1, FileSyscalls.AT_SYMLINK_NOFOLLOW));
        call(
                "utimensat",
                FileSyscalls.utimensat(
                        dfd,
                        n("f"),
                        0,
                        FileSyscalls.UTIME_NOW,
                        0,
                        FileSyscalls.UTIME_OMIT,
                        FileSyscalls.AT_SYMLINK_NOFOLLOW));
        call("fallocate", FileSyscalls.fallocate(f, 0, 0, 4096));
        call("lseek", FileSyscalls.lseek(f, 0, FileSyscalls.SEEK_DATA));
        call("copy_file_range", FileSyscalls.copyFileRange(f, 0, f, 4096, 4096, 0));
        call("ftruncate", FileSyscalls.ftruncate(f, 0));
        call("fsync", FileSyscalls.fsync(f));
        call("fdatasync", FileSyscalls.fdatasync(f));
        try (Arena a = Arena.ofConfined()) {
            call(
                    "fstatat",
                    FileSyscalls.fstatat(dfd, n("f"), FileSyscalls.AT_SYMLINK_NOFOLLOW, a.allocate(FileStat.SIZE)));
            int listing = (int) FileSyscalls.check(
                    "open dir",
                    FileSyscalls.openat(dfd, n("."), Libc.O_RDONLY | FileSyscalls.O_DIRECTORY | Libc.O_CLOEXEC, 0));
            call("getdents64", Math.min(1, FileSyscalls.getdents64(listing, a.allocate(4096))));
            FileSyscalls.close(listing);
        }
        call("unlinkat", FileSyscalls.unlinkat(dfd, n("h"), 0));
        call("rmdir", FileSyscalls.unlinkat(dfd, n("sub"), FileSyscalls.AT_REMOVEDIR));
        FileSyscalls.close(f);
        FileSyscalls.close(dfd);
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "seccomp" -> {
                // As in a VM process, NIO is in use before confinement (its libraries' set-up probes
                // sockets, which the list does not allow).
                Files.writeString(Path.of(args[2], "before.txt"), "x");
                Jail.confineSystemCalls(SyscallAllowList.vmProcess().program());
                System.out.println("installed");
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    threads.add(Thread.ofPlatform().start(() -> {
                        List<byte[]> junk = new ArrayList<>();
                        for (int j = 0; j < 2000; j++) junk.add(new byte[4096]);
                    }));
                }
                for (Thread t : threads) t.join();
                System.gc();
                Path f = Path.of(args[2], "confined.txt");
                Files.writeString(f, "still alive");
                System.out.println(Files.readString(f));
                Files.delete(f);
                System.out.flush();
                System.out.println("call returned " + Seccomp.probe(Integer.parseInt(args[1])));
            }
            case "drop" -> {
                Jail.dropPrivileges(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
                try {
                    Files.readString(Path.of(args[3]));
                    System.out.println("read it");
                } catch (AccessDeniedException e) {
                    System.out.println("denied");
                }
            }
            case "fileserver" -> {
                Path d = Path.of(args[1]);
                Files.writeString(d.resolve("before.txt"), "x"); // NIO's set-up before the filter, as above
                Jail.confineSystemCalls(SyscallAllowList.vmProcess().program());
                System.out.println("installed");
                fileServerCalls(d);
                System.out.println("fileserver done");
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
