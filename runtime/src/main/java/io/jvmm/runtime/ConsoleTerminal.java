package io.jvmm.runtime;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.kvm.sys.Pty;
import io.jvmm.kvm.sys.SocketSyscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The terminal of a guest process as the {@code --console-socket} contract of runc wants it: a host
 * pseudo-terminal whose master goes to the socket (SCM_RIGHTS, as runc sends it) and whose slave this
 * process keeps, carrying the bytes of the guest's own terminal. The slave is raw: the guest's pty
 * already echoes and edits lines, and doing it twice would echo twice.
 */
public final class ConsoleTerminal implements AutoCloseable {
    /** How long a read waits before it looks whether the terminal was closed under it. */
    private static final int POLL_MILLIS = 200;
    /** How often the size is looked at: the other end changes it with an ioctl, which sends us nothing. */
    private static final long SIZE_POLL_MILLIS = 200;

    /** Where a new size goes: the guest terminal's RESIZE. */
    @FunctionalInterface
    public interface SizeSink {
        void resize(int rows, int cols) throws IOException;
    }

    private final int slave;
    /** Held by each read and write, and by close: the descriptor is never used after it is closed. */
    private final Object lock = new Object();

    private boolean closed;

    private ConsoleTerminal(int slave) {
        this.slave = slave;
    }

    /** Opens a pseudo-terminal and sends its master to {@code socket}; this process keeps the slave. */
    public static ConsoleTerminal send(Path socket) {
        Pty.Pair p;
        try {
            p = Pty.open();
        } catch (NativeException e) {
            throw EngineException.runtime("cannot allocate a terminal: " + e.getMessage());
        }
        try {
            Pty.makeRaw(p.slave());
            SocketSyscalls.sendFd(socket, p.master(), p.slavePath().getBytes(StandardCharsets.UTF_8));
            return new ConsoleTerminal(p.slave());
        } catch (NativeException e) {
            Libc.close(p.slave());
            throw EngineException.runtime("console socket " + socket + ": " + e.getMessage());
        } finally {
            Libc.close(p.master()); // the receiver has its own descriptor for it now
        }
    }

    /** {rows, cols} as the other end has set them, if it has (a fresh terminal's size is 0x0). */
    public Optional<int[]> size() {
        synchronized (lock) {
            if (closed) return Optional.empty();
            return Pty.windowSize(slave)
                    .filter(s -> s.rows() > 0 && s.cols() > 0)
                    .map(s -> new int[] {s.rows(), s.cols()});
        }
    }

    /** False once {@link #close()} has run. */
    public boolean isOpen() {
        synchronized (lock) {
            return !closed;
        }
    }

    /**
     * Passes every size the other end sets on to {@code sink}, from a daemon platform thread named
     * {@code threadName}, until this is closed or {@code sink} fails; {@code sent} is the size the guest
     * already has (null: none). Returns the thread.
     */
    public Thread followSize(String threadName, int[] sent, SizeSink sink) {
        return Thread.ofPlatform().name(threadName).daemon().start(() -> {
            int[] last = sent;
            try {
                while (isOpen()) {
                    Thread.sleep(SIZE_POLL_MILLIS);
                    Optional<int[]> now = size();
                    if (now.isPresent() && !Arrays.equals(now.get(), last)) {
                        sink.resize(now.get()[0], now.get()[1]);
                        last = now.get();
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                // the guest's terminal is gone with its process
            }
        });
    }

    /** What is typed at the other end; end of file once the master has gone (EIO) or this is closed. */
    public InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(Math.min(len, 16384));
                    for (; ; ) {
                        // Not a blocking read: close could not interrupt it, and the number may be reused.
                        synchronized (lock) {
                            if (closed) return -1;
                        }
                        if (Libc.poll(slave, Libc.POLLIN, POLL_MILLIS) == 0) continue;
                        synchronized (lock) {
                            if (closed) return -1;
                            long n;
                            try {
                                n = Libc.read(slave, buf);
                            } catch (NativeException e) {
                                if (e.errno() == Errno.EIO) return -1; // the master closed: the terminal hung up
                                if (e.errno() == Errno.EINTR || e.errno() == Errno.EAGAIN) continue;
                                throw new IOException(e.getMessage(), e);
                            }
                            if (n == 0) return -1;
                            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                            return (int) n;
                        }
                    }
                }
            }
        };
    }

    /** What the other end reads: the guest terminal's output, written through at once. */
    public OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(Math.max(len, 1));
                    MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, len);
                    long done = 0;
                    while (done < len) {
                        synchronized (lock) {
                            if (closed) throw new IOException("the terminal is closed");
                            try {
                                done += Libc.write(slave, buf.asSlice(done, len - done));
                            } catch (NativeException e) {
                                if (e.errno() != Errno.EINTR) throw new IOException(e.getMessage(), e);
                            }
                        }
                    }
                }
            }
        };
    }

    /** Closes the slave: the other end reads end of file (EIO) once nothing else holds it. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            Libc.close(slave);
        }
    }
}
