package io.jvmm.core.backend.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.kvm.sys.SocketSyscalls;
import io.jvmm.virtio.net.NetBackend;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VMM's side of passt with a stand-in passt that echoes every frame back on the descriptor it was
 * handed. Meanwhile another local user's attacker plants a listening socket and a log symlink in every
 * directory where a socket rendezvous could live: none of it is ever used.
 */
class PasstBackendTest {
    @TempDir
    Path dir;

    /** A passt that echoes its {@code --fd} stream. */
    private Path echoPasst() throws IOException {
        Path p = dir.resolve("fake-passt");
        Files.writeString(p, """
                #!/bin/sh
                fd=
                while [ $# -gt 0 ]; do [ "$1" = --fd ] && fd=$2; shift; done
                # Without --fd: a passt that binds its -s socket late (never, here).
                [ -n "$fd" ] || exec sleep 30
                eval "exec cat <&$fd >&$fd"
                """);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /**
     * Another local user: plants an impostor socket and a passt.log symlink to {@code canary} in each
     * {@code jvmm-passt-*} directory that appears under {@code where} (where jvmm once made passt's
     * 0777 socket directory), and counts the connections the impostors get.
     */
    private static final class Attacker implements AutoCloseable {
        final AtomicInteger accepted = new AtomicInteger();
        final List<ServerSocketChannel> impostors = new CopyOnWriteArrayList<>();
        final List<Path> planted = new CopyOnWriteArrayList<>();
        private volatile boolean stop;
        private final Thread thread;

        Attacker(Path where, Path canary) {
            thread = Thread.ofPlatform().daemon().name("attacker").start(() -> {
                while (!stop) {
                    try (Stream<Path> dirs = Files.list(where)) {
                        for (Path d : dirs.filter(
                                        p -> p.getFileName().toString().startsWith("jvmm-passt-"))
                                .toList()) {
                            Path sock = d.resolve("passt.sock");
                            if (Files.exists(sock, LinkOption.NOFOLLOW_LINKS)) continue;
                            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                            s.bind(UnixDomainSocketAddress.of(sock));
                            s.configureBlocking(false);
                            impostors.add(s);
                            planted.add(sock);
                            planted.add(Files.createSymbolicLink(d.resolve("passt.log"), canary));
                        }
                        for (ServerSocketChannel s : impostors) {
                            try (SocketChannel c = s.accept()) {
                                if (c != null) accepted.incrementAndGet();
                            }
                        }
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException | RuntimeException e) {
                        // a directory came and went; look again
                    }
                }
            });
        }

        @Override
        public void close() throws Exception {
            stop = true;
            thread.join();
            for (ServerSocketChannel s : impostors) s.close();
            for (Path p : planted) Files.deleteIfExists(p);
        }
    }

    @Test
    void framesTravelOnlyOverTheHandedSocket() throws Exception {
        Path canary = Files.writeString(dir.resolve("canary"), "untouched");
        LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        AtomicInteger batches = new AtomicInteger();
        Attacker attacker = new Attacker(Path.of(System.getProperty("java.io.tmpdir")), canary);
        try (attacker;
                PasstBackend passt = PasstBackend.start(echoPasst(), "network", List.of(), null)) {
            passt.start(new NetBackend.FrameSink() {
                @Override
                public void accept(MemorySegment frame) {
                    received.add(frame.toArray(ValueLayout.JAVA_BYTE));
                }

                @Override
                public void endOfBatch() {
                    batches.incrementAndGet();
                }
            });
            Random rnd = new Random(1);
            for (int size : new int[] {14, 60, 1514, 9000, 65535 + 18}) {
                byte[] frame = new byte[size];
                rnd.nextBytes(frame);
                MemorySegment inRam = Arena.ofAuto().allocate(size);
                inRam.copyFrom(MemorySegment.ofArray(frame));
                passt.send(
                        size % 2 == 0 ? inRam : MemorySegment.ofArray(frame)); // native like guest RAM, or on the heap
                assertArrayEquals(frame, received.poll(10, TimeUnit.SECONDS), "frame of " + size + " bytes");
            }
            assertTrue(batches.get() >= 1);
            // passt sizes the buffers of a socket it accepts (8 MiB), not of one it is handed: we do.
            assertTrue(
                    SocketSyscalls.getsockopt(passt.socket(), SocketSyscalls.SOL_SOCKET, SocketSyscalls.SO_RCVBUF)
                            > 2 * 212_992,
                    "receive buffer left at the default");
            assertTrue(
                    SocketSyscalls.getsockopt(passt.socket(), SocketSyscalls.SOL_SOCKET, SocketSyscalls.SO_SNDBUF)
                            > 2 * 212_992,
                    "send buffer left at the default");
            assertTrue(
                    Files.readSymbolicLink(Path.of("/proc/" + passt.pid() + "/fd/3"))
                            .toString()
                            .startsWith("socket:"),
                    "passt's fd 3 is the handed socket");
        }
        assertEquals(0, attacker.accepted.get(), "a frame went to an impostor socket");
        assertEquals("untouched", Files.readString(canary));
    }

    @Test
    void closeEndsPasstAndAPasstThatDiedClosesCleanly() throws Exception {
        long pid;
        try (PasstBackend passt = PasstBackend.start(echoPasst(), "network", List.of(), null)) {
            pid = passt.pid();
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "passt runs on after close()");

        Path dying = dir.resolve("dying-passt");
        Files.writeString(dying, "#!/bin/sh\necho 'passt: cannot do it' >&2\nexit 3\n");
        Files.setPosixFilePermissions(dying, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (PasstBackend passt = PasstBackend.start(dying, "network", List.of(), null)) {
            passt.start(new NetBackend.FrameSink() {
                @Override
                public void accept(MemorySegment frame) {}

                @Override
                public void endOfBatch() {}
            });
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (passt.running() && System.nanoTime() < deadline) Thread.sleep(10);
            assertFalse(passt.running());
            IOException e = Assertions.assertThrows(IOException.class, () -> {
                for (int i = 0; i < 100; i++) passt.send(Arena.ofAuto().allocate(64)); // EPIPE once the peer is gone
            });
            assertTrue(e.getMessage().contains("passt"), e.getMessage());
            assertEquals("passt: cannot do it", passt.lastMessage());
        }
    }
}
