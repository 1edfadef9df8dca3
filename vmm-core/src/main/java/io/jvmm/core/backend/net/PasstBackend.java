package io.jvmm.core.backend.net;

import io.jvmm.core.ConfigException;
import io.jvmm.core.NetConfig;
import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.kvm.sys.SocketSyscalls;
import io.jvmm.virtio.net.NetBackend;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * User-mode networking through passt (Debian package {@code passt}), one child process per VM: passt
 * gives the guest DHCP, DNS and NAT to the host's network without root, and forwards host ports
 * ({@code -t}/{@code -u}). Frames travel over a Unix stream socket in qemu's stream format: a 4-byte
 * big-endian length, then the frame.
 *
 * <p>The socket is one end of a socketpair handed to passt as {@code --fd 3}: no socket or log file
 * exists in the filesystem, so no other local user can plant an impostor or a symlink where jvmm
 * would connect or write. passt's messages come through a pipe. With {@code --fd} passt serves that
 * one connection and exits when it closes, so even if this JVM is killed passt never outlives the
 * VM; {@link #close()} also terminates it.
 */
public final class PasstBackend implements NetBackend {
    private static final System.Logger LOG = System.getLogger(PasstBackend.class.getName());
    private static final int PASST_FD = 3;
    private static final int MAX_MESSAGE = 512;
    private static final int SOCKET_BUFFER = 4 << 20; // the kernel doubles it: passt's 8 MiB
    private static final ValueLayout.OfInt BIG_ENDIAN_INT =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final ChildProcess process;
    private final int socket;
    private final Thread messages;
    private final MemorySegment sendIov = Arena.ofAuto().allocate(Libc.IOVEC, 2);
    private final MemorySegment lengthOut = Arena.ofAuto().allocate(4);
    private volatile String lastMessage = "(no message)";
    private volatile boolean closed;
    private Thread reader;
    private MemorySegment heapCopy;

    private PasstBackend(ChildProcess process, int socket, int messagePipe) {
        this.process = process;
        this.socket = socket;
        this.messages = process == null
                ? null
                : Thread.ofPlatform()
                        .name("passt-log-" + process.pid())
                        .daemon()
                        .start(() -> readMessages(messagePipe));
    }

    /** A passt started for another process to use ({@link #spawnForHandoff}), and the socket to hand it. */
    public record Handoff(ChildProcess process, int socket) {}

    /**
     * Starts passt as {@link #start} does, its messages going to {@code messagesFd}, for a VM that runs
     * in another process: that process gets {@code socket} and wraps it with {@link #adopt}. This lets
     * a launcher start passt outside the VM process's confinement (passt builds its own sandbox with
     * mount namespaces, which a Landlock-restricted process may not do).
     */
    public static Handoff spawnForHandoff(String key, List<PortForward> forwards, NetConfig.Ipv4 ipv4, int messagesFd) {
        Path passt = findPasst();
        if (passt == null) throw new ConfigException(key, "passt is not installed (Debian: apt-get install passt)");
        int[] pair = null;
        try {
            pair = SocketSyscalls.socketpair();
            for (int fd : pair) bigBuffers(fd);
            ChildProcess p = ChildProcess.spawn(
                    command(passt, forwards, ipv4), Map.of(PASST_FD, pair[1], 1, messagesFd, 2, messagesFd));
            Libc.close(pair[1]);
            return new Handoff(p, pair[0]);
        } catch (NativeException e) {
            if (pair != null) closeQuietly(pair);
            throw new ConfigException(key, "cannot start passt: " + e.getMessage());
        }
    }

    /**
     * The VM side of a {@link Handoff}: frames over {@code socket}, already connected to a passt this
     * process did not start. Closing it closes the socket, and passt exits.
     */
    public static PasstBackend adopt(int socket) {
        return new PasstBackend(null, socket, -1);
    }

    /** Starts passt with {@code forwards}; errors name {@code key} (the setting) and passt's own message. */
    public static PasstBackend start(String key, List<PortForward> forwards) {
        return start(key, forwards, null);
    }

    /**
     * Starts passt with {@code forwards} and, when {@code ipv4} is given, that guest address, gateway
     * and DNS forwarder instead of passt's default copy of the host's; errors name {@code key}.
     */
    public static PasstBackend start(String key, List<PortForward> forwards, NetConfig.Ipv4 ipv4) {
        Path passt = findPasst();
        if (passt == null) throw new ConfigException(key, "passt is not installed (Debian: apt-get install passt)");
        return start(passt, key, forwards, ipv4);
    }

    /** As above with the passt binary given (tests run a stand-in). */
    static PasstBackend start(Path passt, String key, List<PortForward> forwards, NetConfig.Ipv4 ipv4) {
        List<String> cmd = command(passt, forwards, ipv4);
        int[] pair = null, pipe = null;
        try {
            pair = SocketSyscalls.socketpair();
            for (int fd : pair) bigBuffers(fd);
            pipe = Libc.pipe();
            ChildProcess p = ChildProcess.spawn(cmd, Map.of(PASST_FD, pair[1], 1, pipe[1], 2, pipe[1]));
            Libc.close(pair[1]);
            Libc.close(pipe[1]);
            return new PasstBackend(p, pair[0], pipe[0]);
        } catch (NativeException e) {
            if (pair != null) closeQuietly(pair);
            if (pipe != null) closeQuietly(pipe);
            throw new ConfigException(key, "cannot start passt: " + e.getMessage());
        }
    }

    private static List<String> command(Path passt, List<PortForward> forwards, NetConfig.Ipv4 ipv4) {
        List<String> cmd = new ArrayList<>(
                List.of(passt.toAbsolutePath().toString(), "-f", "-q", "--fd", Integer.toString(PASST_FD)));
        for (PortForward f : forwards) cmd.addAll(List.of(f.passtArgs()));
        if (ipv4 != null) {
            cmd.addAll(List.of(
                    "-a",
                    ipv4.address(),
                    "-n",
                    Integer.toString(ipv4.prefix()),
                    "-g",
                    ipv4.gateway(),
                    "--dns-forward",
                    ipv4.dns(),
                    "-D",
                    ipv4.dns()));
        }
        return cmd;
    }

    /**
     * 8 MiB socket buffers each way, as passt gives the socket it accepts itself (it leaves a handed
     * one as it is): with the 208 KiB default a flood to the guest wakes both sides several times as
     * often. Above net.core.[rw]mem_max only with privilege; otherwise as much as allowed.
     */
    private static void bigBuffers(int fd) {
        if (!SocketSyscalls.setsockopt(fd, SocketSyscalls.SOL_SOCKET, SocketSyscalls.SO_SNDBUFFORCE, SOCKET_BUFFER))
            SocketSyscalls.setsockopt(fd, SocketSyscalls.SOL_SOCKET, SocketSyscalls.SO_SNDBUF, SOCKET_BUFFER);
        if (!SocketSyscalls.setsockopt(fd, SocketSyscalls.SOL_SOCKET, SocketSyscalls.SO_RCVBUFFORCE, SOCKET_BUFFER))
            SocketSyscalls.setsockopt(fd, SocketSyscalls.SOL_SOCKET, SocketSyscalls.SO_RCVBUF, SOCKET_BUFFER);
    }

    private static void closeQuietly(int[] fds) {
        for (int fd : fds) {
            try {
                Libc.close(fd);
            } catch (NativeException ignored) {
                // already closed
            }
        }
    }

    /** Keeps passt's last message for the error that ends the network; each line goes to the debug log. */
    private void readMessages(int pipe) {
        MemorySegment buf = Arena.ofAuto().allocate(4096);
        StringBuilder line = new StringBuilder();
        try {
            long n;
            while ((n = readRetrying(pipe, buf)) > 0) {
                for (byte b : buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)) {
                    if (b != '\n') {
                        if (line.length() < MAX_MESSAGE) line.append((char) (b & 0xff));
                        continue;
                    }
                    String text = line.toString().strip();
                    line.setLength(0);
                    if (text.isEmpty()) continue;
                    lastMessage = text;
                    LOG.log(Level.DEBUG, "{0}: {1}", describe(), text);
                }
            }
        } catch (NativeException e) {
            LOG.log(Level.DEBUG, "{0}: reading its messages: {1}", describe(), e.getMessage());
        } finally {
            Libc.close(pipe);
        }
    }

    private static long readRetrying(int fd, MemorySegment buf) {
        for (; ; ) {
            try {
                return Libc.read(fd, buf);
            } catch (NativeException e) {
                if (e.errno() != Errno.EINTR) throw e;
            }
        }
    }

    private static Path findPasst() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : (path + ":/usr/bin:/usr/sbin").split(":")) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, "passt");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** The child's pid, for diagnostics and tests; -1 for an adopted socket. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    /** passt's last message line; once passt has exited, after its pipe has drained. */
    String lastMessage() throws InterruptedException {
        if (messages != null && !process.isAlive()) messages.join(1000);
        return lastMessage;
    }

    /** Our end of the socketpair (tests). */
    int socket() {
        return socket;
    }

    /** True while the passt process runs (tests). */
    boolean running() {
        return process.isAlive();
    }

    @Override
    public String describe() {
        return process == null ? "passt (socket " + socket + ")" : "passt (pid " + process.pid() + ")";
    }

    @Override
    public void send(MemorySegment frame) throws IOException {
        synchronized (sendIov) {
            if (!frame.isNative()) {
                if (heapCopy == null || heapCopy.byteSize() < frame.byteSize())
                    heapCopy = Arena.ofAuto().allocate(Math.max(frame.byteSize(), 65536));
                frame = heapCopy.asSlice(0, frame.byteSize()).copyFrom(frame);
            }
            lengthOut.set(BIG_ENDIAN_INT, 0, (int) frame.byteSize());
            long total = 4 + frame.byteSize(), sent = 0;
            while (sent < total) {
                // Either still part of the length, or only the frame's remainder.
                int n = 0;
                if (sent < 4) iov(n++, lengthOut.asSlice(sent));
                iov(n++, sent <= 4 ? frame : frame.asSlice(sent - 4));
                try {
                    sent += Libc.writev(socket, sendIov, n);
                } catch (NativeException e) {
                    if (e.errno() == Errno.EINTR) continue;
                    throw new IOException(describe() + ": " + e.getMessage());
                }
            }
        }
    }

    private void iov(int i, MemorySegment s) {
        MemorySegment e = sendIov.asSlice(i * Libc.IOVEC.byteSize(), Libc.IOVEC.byteSize());
        e.set(ValueLayout.ADDRESS, 0, s);
        e.set(ValueLayout.JAVA_LONG, 8, s.byteSize());
    }

    @Override
    public void start(FrameSink sink) {
        reader = Thread.ofPlatform()
                .name("passt-rx-" + (process == null ? "fd" + socket : process.pid()))
                .daemon()
                .start(() -> readLoop(sink));
    }

    /**
     * Reads passt's stream in large chunks and cuts it into frames: one read(2) usually carries many
     * frames when traffic is heavy, instead of two reads per frame.
     */
    private void readLoop(FrameSink sink) {
        MemorySegment seg = Arena.ofAuto().allocate(256 * 1024);
        ByteBuffer buf = seg.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
        try {
            while (!closed) {
                long n = readRetrying(socket, seg.asSlice(buf.position(), buf.remaining()));
                if (n == 0) break;
                buf.position(buf.position() + (int) n);
                buf.flip();
                while (buf.remaining() >= 4) {
                    int len = buf.getInt(buf.position());
                    if (len <= 0 || len > 65535 + 18) throw new IOException("passt sent a frame length of " + len);
                    if (buf.remaining() < 4 + len) break;
                    int at = buf.position() + 4;
                    sink.accept(seg.asSlice(at, len));
                    buf.position(at + len);
                }
                sink.endOfBatch();
                buf.compact();
            }
        } catch (IOException | NativeException e) {
            if (!closed) LOG.log(Level.WARNING, "{0}: {1}", describe(), e.getMessage());
        }
        if (!closed && process == null) {
            LOG.log(Level.WARNING, "{0}: the connection ended; the guest''s network is down", describe());
        } else if (!closed) {
            String status = "";
            try {
                int s = process.waitFor(Duration.ofMillis(500));
                if (s >= 0) status = " (passt exited with status " + s + ": " + lastMessage() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LOG.log(Level.WARNING, "{0}: the connection ended; the guest''s network is down{1}", describe(), status);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            SocketSyscalls.shutdown(socket, SocketSyscalls.SHUT_RDWR); // wakes the reader; passt sees the end and exits
        } catch (NativeException ignored) {
            // passt is gone already
        }
        try {
            if (process != null) process.terminate(Duration.ofSeconds(2));
            if (reader != null) reader.join(5000);
            if (messages != null) messages.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (process != null) process.close();
            // A reader still inside read(2) would see a reused number: leave the fd to the exit then.
            if (reader == null || !reader.isAlive()) Libc.close(socket);
        }
    }
}
