package io.jvmm.fuse;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server under a real Linux FUSE client: the host's own kernel, through /dev/fuse, mounts a
 * share served by FuseServer and a file system workload runs on the mount (the same protocol a
 * guest kernel speaks over virtio-fs, minus the virtqueue). Needs root and /dev/fuse; skipped
 * otherwise. A watchdog aborts the connection (closes /dev/fuse) if the workload stalls, so a
 * server that fails to answer fails the test instead of hanging it.
 */
class HostKernelFuseTest {
    private static final int BUFFER = (1 << 20) + (64 << 10);

    @TempDir
    Path tmp;

    /** What runs on the mount: the mount point and the share behind it. */
    @FunctionalInterface
    private interface Workload {
        void run(Path mount, Path share) throws IOException;
    }

    @Test
    void theHostKernelMountsTheShareAndAWorkloadRunsOnIt() throws Exception {
        mounted(ShareOptions.defaults(), HostKernelFuseTest::workload);
    }

    @Test
    void aReadOnlyShareRefusesWritesThroughTheKernel() throws Exception {
        mounted(ShareOptions.defaults().withReadOnly(true), (m, share) -> {
            Files.writeString(share.resolve("f"), "host");
            assertEquals("host", Files.readString(m.resolve("f")));
            FileSystemException e =
                    assertThrows(FileSystemException.class, () -> Files.writeString(m.resolve("f"), "guest"));
            assertTrue(e.getMessage().contains("Read-only file system"), e.getMessage());
            assertThrows(FileSystemException.class, () -> Files.createDirectory(m.resolve("d")));
            assertThrows(FileSystemException.class, () -> Files.delete(m.resolve("f")));
            assertEquals("host", Files.readString(share.resolve("f")));
        });
    }

    /** Mounts a share served with {@code options} through /dev/fuse, runs {@code workload}, unmounts. */
    private void mounted(ShareOptions options, Workload workload) throws Exception {
        Root.assume();
        Assumptions.assumeTrue(
                Files.isReadable(Path.of("/dev/fuse")) && Files.isExecutable(Path.of("/usr/bin/mount")),
                "needs /dev/fuse and mount(8)");
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path outside = Canary.create(tmp.resolve("outside"));
        String canary = Canary.digest(outside);
        Files.createSymbolicLink(share.resolve("escape"), outside.toAbsolutePath());
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        int dev = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC);
        AtomicBoolean open = new AtomicBoolean(true);
        Runnable abort = () -> {
            if (open.compareAndSet(true, false)) FileSyscalls.close(dev); // aborts the connection (ENOTCONN)
        };
        FuseServer server = FuseServer.open(share, options);
        // Reading /dev/fuse before the mount is EPERM: the thread starts once the connection exists.
        Thread serving = Thread.ofPlatform().name("fuse-dev").unstarted(() -> serve(dev, server));
        boolean mounted = false;
        try {
            int rc = run(
                    Map.of(3, dev),
                    "/usr/bin/mount",
                    "-i",
                    "-t",
                    "fuse",
                    "-o",
                    "fd=3,rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other",
                    "jvmmfuse",
                    mnt.toString());
            Assumptions.assumeTrue(
                    rc == 0, "this host does not let us mount a FUSE file system (mount exit " + rc + ")");
            mounted = true;
            serving.start();
            Thread watchdog = Thread.ofPlatform().daemon().start(() -> {
                try {
                    Thread.sleep(Duration.ofMinutes(2));
                    abort.run(); // a stalled workload fails instead of hanging the build
                } catch (InterruptedException done) {
                    // finished in time
                }
            });
            try {
                workload.run(mnt, share);
            } finally {
                watchdog.interrupt();
            }
        } finally {
            if (mounted) run(Map.of(), "/usr/bin/umount", "-l", mnt.toString());
            if (serving.isAlive()) serving.join(TimeUnit.SECONDS.toMillis(30));
            abort.run();
            server.close();
        }
        assertEquals(canary, Canary.digest(outside), "the canary outside the share changed");
    }

    /** Runs {@code argv} with {@code fds} (child number to ours); its exit status. */
    private static int run(Map<Integer, Integer> fds, String... argv) throws Exception {
        try (ChildProcess p = ChildProcess.spawn(List.of(argv), fds)) {
            return p.waitFor(Duration.ofSeconds(30));
        }
    }

    private static void serve(int dev, FuseServer server) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(BUFFER, 4096), out = arena.allocate(BUFFER, 4096);
            while (true) {
                long n;
                try {
                    n = Libc.read(dev, in);
                } catch (NativeException e) {
                    if (e.errno() == Errno.EINTR || e.errno() == Errno.EAGAIN || e.errno() == Errno.ENOENT) continue;
                    return; // ENODEV: unmounted; EBADF: the watchdog closed it
                }
                int used = server.handle(List.of(in.asSlice(0, n)), List.of(out));
                if (used == 0) continue;
                try {
                    Libc.write(dev, out.asSlice(0, used));
                } catch (NativeException e) {
                    if (e.errno() != Errno.ENOENT) return; // ENOENT: the request was interrupted meanwhile
                }
            }
        }
    }

    private static void workload(Path m, Path share) throws IOException {
        // create, write, read
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        Files.write(m.resolve("big"), data);
        assertArrayEquals(data, Files.readAllBytes(m.resolve("big")));
        assertArrayEquals(data, Files.readAllBytes(share.resolve("big")));
        // rename, hard link, symlink
        Files.move(m.resolve("big"), m.resolve("moved"));
        Files.createLink(m.resolve("hard"), m.resolve("moved"));
        assertEquals(2, Files.getAttribute(share.resolve("hard"), "unix:nlink"));
        Files.createSymbolicLink(m.resolve("sym"), Path.of("moved"));
        assertEquals(Path.of("moved"), Files.readSymbolicLink(share.resolve("sym")));
        assertEquals(data.length, Files.size(m.resolve("sym")), "the client follows the link itself");
        // chmod, chown, truncate
        Files.setPosixFilePermissions(m.resolve("moved"), PosixFilePermissions.fromString("rw-r-----"));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("moved"))));
        Files.setAttribute(m.resolve("moved"), "unix:uid", 1234);
        assertEquals(1234, Files.getAttribute(share.resolve("moved"), "unix:uid"));
        try (FileChannel ch = FileChannel.open(m.resolve("moved"), StandardOpenOption.WRITE)) {
            ch.truncate(1000);
        }
        assertEquals(1000, Files.size(share.resolve("moved")));
        // xattr
        UserDefinedFileAttributeView x =
                Files.getFileAttributeView(m.resolve("moved"), UserDefinedFileAttributeView.class);
        x.write("k", ByteBuffer.wrap("v".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(
                List.of("k"),
                Files.getFileAttributeView(share.resolve("moved"), UserDefinedFileAttributeView.class)
                        .list());
        // a directory of 1,000 entries, listed and removed
        Path dir = Files.createDirectory(m.resolve("many"));
        for (int i = 0; i < 1000; i++) Files.writeString(dir.resolve("e" + i), "" + i);
        try (Stream<Path> list = Files.list(dir)) {
            assertEquals(1000, list.count());
        }
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.toList()) Files.delete(p);
        }
        Files.delete(dir);
        assertFalse(Files.exists(share.resolve("many")));
        // an mmap write
        Files.write(m.resolve("mapped"), new byte[8192]);
        try (FileChannel ch = FileChannel.open(m.resolve("mapped"), StandardOpenOption.READ, StandardOpenOption.WRITE);
                Arena arena = Arena.ofConfined()) {
            MemorySegment map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 8192, arena); // unmapped with the arena
            map.set(ValueLayout.JAVA_BYTE, 4096, (byte) 42);
            map.force();
        }
        assertEquals(42, Files.readAllBytes(share.resolve("mapped"))[4096]);
        // the symlink to outside stays a link: the client resolves it in its own namespace (here the
        // host's, so it does reach the canary; in a guest it names the guest's own path)
        assertTrue(Files.isSymbolicLink(m.resolve("escape")));
        assertTrue(Files.exists(share.resolve("escape"), LinkOption.NOFOLLOW_LINKS));
    }
}
