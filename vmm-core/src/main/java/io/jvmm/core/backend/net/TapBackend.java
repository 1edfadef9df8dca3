package io.jvmm.core.backend.net;

import io.jvmm.core.ConfigException;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.virtio.net.NetBackend;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A TAP device (Hypercore's {@code interface} key): an existing one is attached, a missing one is
 * created through {@code /dev/net/tun} and lives as long as the VM (bringing it up and bridging it is
 * the host administrator's business). Needs CAP_NET_ADMIN for a device the user does not own.
 */
public final class TapBackend implements NetBackend {
    private static final System.Logger LOG = System.getLogger(TapBackend.class.getName());
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;
    private static final int IFNAMSIZ = 16;

    private final String name;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment rxBuffer = arena.allocate(65535 + 18);
    private volatile boolean closed;
    private Thread reader;

    private TapBackend(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    public static TapBackend open(String key, String name) {
        return new TapBackend(name, createFd(key, name));
    }

    /** A TAP already open as {@code fd} (made in another network namespace, {@link NetnsTap}); owns it from now on. */
    public static TapBackend adopt(String name, int fd) {
        return new TapBackend(name, fd);
    }

    /**
     * Opens {@code /dev/net/tun} and attaches the TAP {@code name}, made when missing, in the calling
     * thread's network namespace; a {@link ConfigException} names the problem.
     */
    static int createFd(String key, String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length == 0 || n.length >= IFNAMSIZ || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new ConfigException(
                    key, "'" + name + "' is not a network interface name (1-15 letters, digits, . _ -)");
        }
        int fd;
        try {
            fd = Libc.open("/dev/net/tun", Libc.O_RDWR | Libc.O_CLOEXEC);
        } catch (NativeException e) {
            throw new ConfigException(key, "cannot open /dev/net/tun: " + Errno.describe(e.errno()));
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ifr = a.allocate(40);
            MemorySegment.copy(n, 0, ifr, ValueLayout.JAVA_BYTE, 0, n.length);
            ifr.set(ValueLayout.JAVA_SHORT, IFNAMSIZ, (short) (IFF_TAP | IFF_NO_PI));
            if (Libc.ioctl(fd, TUNSETIFF, ifr) < 0) {
                int errno = Libc.lastErrno();
                Libc.close(fd);
                String hint = errno == Errno.EPERM
                        ? " (needs root or CAP_NET_ADMIN, or a TAP device owned by this user)"
                        : errno == Errno.EINVAL
                                ? " (is '" + name + "' a TUN device or not a TAP?)"
                                : errno == Errno.EBUSY ? " (another process has it open)" : "";
                throw new ConfigException(
                        key, "cannot attach TAP device " + name + ": " + Errno.describe(errno) + hint);
            }
        }
        return fd;
    }

    @Override
    public String describe() {
        return "TAP " + name;
    }

    @Override
    public void send(MemorySegment frame) throws IOException {
        try {
            Libc.write(fd, frame);
        } catch (NativeException e) {
            // EIO: the interface is down; the frame is lost, as on a cable nobody listens on.
            if (e.errno() != Errno.EIO) throw new IOException(name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void start(FrameSink sink) {
        reader = Thread.ofPlatform().name("tap-rx-" + name).daemon().start(() -> readLoop(sink));
    }

    private void readLoop(FrameSink sink) {
        while (!closed) {
            try {
                // poll with a timeout, so close() never waits on a read that nothing ends
                if ((Libc.poll(fd, Libc.POLLIN, 200) & Libc.POLLIN) == 0) continue;
                long n = Libc.read(fd, rxBuffer);
                if (n > 0) {
                    sink.accept(rxBuffer.asSlice(0, n));
                    sink.endOfBatch(); // a TAP device hands over one frame per read
                }
            } catch (NativeException e) {
                if (closed) return;
                if (e.errno() == Errno.EAGAIN || e.errno() == Errno.EINTR) continue;
                LOG.log(Level.WARNING, "{0}: {1}; the guest's network is down", describe(), e.getMessage());
                return;
            }
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (reader != null) {
            try {
                reader.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Libc.close(fd);
        arena.close();
    }
}
