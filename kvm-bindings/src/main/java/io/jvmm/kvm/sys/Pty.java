package io.jvmm.kvm.sys;

import static io.jvmm.kvm.sys.Libc.lastErrno;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Pseudo-terminals: a master and slave pair from {@code /dev/ptmx}, raw mode and the window size, by
 * the kernel's tty ioctls (glibc's posix_openpt, cfmakeraw and tcsetattr are these). They throw
 * {@link NativeException} naming the call.
 */
public final class Pty {
    private static final int O_NOCTTY = 0x100;
    private static final long TCGETS = 0x5401, TCSETS = 0x5402, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
    private static final long TIOCGPTN = 0x80045430L, TIOCSPTLCK = 0x40045431L;
    private static final int ENOTTY = 25;

    /** struct termios as TCGETS fills it: four u32 flag words, c_line, c_cc[19]. */
    private static final long TERMIOS_SIZE = 36, C_IFLAG = 0, C_OFLAG = 4, C_CFLAG = 8, C_LFLAG = 12, C_CC = 17;

    private static final int VTIME = 5, VMIN = 6;
    private static final int IGNBRK = 01, BRKINT = 02, PARMRK = 010, ISTRIP = 040, INLCR = 0100, IGNCR = 0200;
    private static final int ICRNL = 0400, IXON = 02000, OPOST = 01, CSIZE = 060, PARENB = 0400, CS8 = 060;
    private static final int ISIG = 01, ICANON = 02, ECHO = 010, ECHONL = 0100, IEXTEN = 0100000;

    /** An open pair: both ends close-on-exec and neither the caller's controlling terminal. */
    public record Pair(int master, int slave, String slavePath) {}

    /** A terminal's size in characters. */
    public record Size(int rows, int cols) {}

    private Pty() {}

    /** A new pseudo-terminal: {@code /dev/ptmx} opened, unlocked, and its slave opened. */
    public static Pair open() {
        int master = Libc.open("/dev/ptmx", Libc.O_RDWR | O_NOCTTY | Libc.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(JAVA_INT);
            if (Libc.ioctl(master, TIOCSPTLCK, n) < 0) throw new NativeException("ioctl(TIOCSPTLCK)", lastErrno());
            if (Libc.ioctl(master, TIOCGPTN, n) < 0) throw new NativeException("ioctl(TIOCGPTN)", lastErrno());
            String path = "/dev/pts/" + n.get(JAVA_INT, 0);
            int slave = Libc.open(path, Libc.O_RDWR | O_NOCTTY | Libc.O_CLOEXEC);
            return new Pair(master, slave, path);
        } catch (RuntimeException e) {
            Libc.close(master);
            throw e;
        }
    }

    /**
     * Raw mode, as cfmakeraw sets it: bytes pass unchanged and at once, with no echo, no line editing and
     * no signal characters. For a terminal that only carries another terminal's bytes.
     */
    public static void makeRaw(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(TERMIOS_SIZE);
            if (Libc.ioctl(fd, TCGETS, t) < 0) throw new NativeException("ioctl(" + fd + ", TCGETS)", lastErrno());
            and(t, C_IFLAG, ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON));
            and(t, C_OFLAG, ~OPOST);
            and(t, C_LFLAG, ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN));
            and(t, C_CFLAG, ~(CSIZE | PARENB));
            t.set(JAVA_INT, C_CFLAG, t.get(JAVA_INT, C_CFLAG) | CS8);
            t.set(JAVA_BYTE, C_CC + VMIN, (byte) 1);
            t.set(JAVA_BYTE, C_CC + VTIME, (byte) 0);
            if (Libc.ioctl(fd, TCSETS, t) < 0) throw new NativeException("ioctl(" + fd + ", TCSETS)", lastErrno());
        }
    }

    /** True when {@code fd}'s terminal echoes and edits lines (not raw). */
    public static boolean isCanonical(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(TERMIOS_SIZE);
            if (Libc.ioctl(fd, TCGETS, t) < 0) throw new NativeException("ioctl(" + fd + ", TCGETS)", lastErrno());
            return (t.get(JAVA_INT, C_LFLAG) & (ICANON | ECHO)) != 0;
        }
    }

    /** {@code fd}'s window size, or empty when {@code fd} is not a terminal. */
    public static Optional<Size> windowSize(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8);
            if (Libc.ioctl(fd, TIOCGWINSZ, ws) < 0) {
                if (lastErrno() == ENOTTY) return Optional.empty();
                throw new NativeException("ioctl(" + fd + ", TIOCGWINSZ)", lastErrno());
            }
            return Optional.of(
                    new Size(Short.toUnsignedInt(ws.get(JAVA_SHORT, 0)), Short.toUnsignedInt(ws.get(JAVA_SHORT, 2))));
        }
    }

    /** Sets {@code fd}'s window size (the terminal's foreground process group gets SIGWINCH). */
    public static void setWindowSize(int fd, Size size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8); // ws_row, ws_col, ws_xpixel, ws_ypixel
            ws.set(JAVA_SHORT, 0, (short) size.rows());
            ws.set(JAVA_SHORT, 2, (short) size.cols());
            if (Libc.ioctl(fd, TIOCSWINSZ, ws) < 0)
                throw new NativeException("ioctl(" + fd + ", TIOCSWINSZ)", lastErrno());
        }
    }

    private static void and(MemorySegment t, long offset, int mask) {
        t.set(JAVA_INT, offset, t.get(JAVA_INT, offset) & mask);
    }
}
