package io.jvmm.loader;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an uncompressed cpio archive in the "newc" format the kernel's initramfs unpacker reads
 * (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte ASCII header
 * ("070701" and thirteen 8-digit hex fields), the NUL-terminated name padded to 4 bytes, then the
 * data padded to 4 bytes; the archive ends with an entry named {@code TRAILER!!!}.
 *
 * <p>Names are stored without a leading '/'. Owner is root, mtime 0, so archives are reproducible.
 * Not thread-safe. {@link #close()} writes the trailer and closes the stream.
 */
public final class CpioWriter implements Closeable {
    private static final int S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000, S_IFCHR = 0020000;
    private static final String TRAILER = "TRAILER!!!";
    private static final byte[] PAD = new byte[4];

    private final OutputStream out;
    private long written;
    private int nextIno = 1;
    private boolean finished;

    public CpioWriter(OutputStream out) { this.out = out; }

    /** A writer that creates (or truncates) {@code file}. */
    public static CpioWriter create(Path file) throws IOException {
        return new CpioWriter(new BufferedOutputStream(Files.newOutputStream(file)));
    }

    /** A directory; {@code mode} is the permission bits (e.g. 0755). */
    public CpioWriter directory(String path, int mode) throws IOException {
        entry(path, S_IFDIR | perm(mode, path), 2, 0, 0, new byte[0]);
        return this;
    }

    /** A regular file with the given contents. */
    public CpioWriter file(String path, int mode, byte[] data) throws IOException {
        entry(path, S_IFREG | perm(mode, path), 1, 0, 0, data);
        return this;
    }

    /** A regular file copied from {@code source}, streamed. */
    public CpioWriter file(String path, int mode, Path source) throws IOException {
        long size = Files.size(source);
        if (size > 0xffffffffL) throw new IllegalArgumentException("cpio: " + source + " is " + size + " bytes, newc holds at most 4 GiB - 1");
        header(path, S_IFREG | perm(mode, path), 1, 0, 0, size);
        long copied;
        try (InputStream in = Files.newInputStream(source)) {
            copied = in.transferTo(out);
        }
        if (copied != size) throw new IOException("cpio: " + source + " changed size while being archived");
        written += copied;
        pad();
        return this;
    }

    /** A symbolic link to {@code target} (stored as the entry's data, as cpio does). */
    public CpioWriter symlink(String path, String target) throws IOException {
        if (target.isEmpty() || target.indexOf('\0') >= 0) throw new IllegalArgumentException("cpio: symlink " + path + " has an empty target or one containing NUL");
        entry(path, S_IFLNK | 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** A character device node, e.g. {@code charDevice("dev/console", 0600, 5, 1)}. */
    public CpioWriter charDevice(String path, int mode, int major, int minor) throws IOException {
        if (major < 0 || minor < 0) throw new IllegalArgumentException("cpio: device " + path + " has negative major/minor");
        entry(path, S_IFCHR | perm(mode, path), 1, major, minor, new byte[0]);
        return this;
    }

    /** Writes the trailer and flushes; later additions fail. Idempotent. */
    public void finish() throws IOException {
        if (finished) return;
        writeHeader(TRAILER, 0, 0, 1, 0, 0, 0);
        finished = true;
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            out.close();
        }
    }

    private void entry(String path, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data) throws IOException {
        header(path, mode, nlink, rdevMajor, rdevMinor, data.length);
        out.write(data);
        written += data.length;
        pad();
    }

    private void header(String path, int mode, int nlink, int rdevMajor, int rdevMinor, long size) throws IOException {
        if (finished) throw new IllegalStateException("cpio: archive already finished");
        writeHeader(normalize(path), nextIno++, mode, nlink, rdevMajor, rdevMinor, size);
    }

    private void writeHeader(String name, int ino, int mode, int nlink, int rdevMajor, int rdevMinor, long size) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(110).append("070701");
        // c_ino c_mode c_uid c_gid c_nlink c_mtime c_filesize c_devmajor c_devminor c_rdevmajor c_rdevminor c_namesize c_check
        for (long v : new long[] {ino, mode, 0, 0, nlink, 0, size, 0, 0, rdevMajor, rdevMinor, nameBytes.length + 1, 0}) {
            h.append(String.format("%08X", v));
        }
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(nameBytes);
        out.write(0);
        written += 110 + nameBytes.length + 1;
        pad();
    }

    private void pad() throws IOException {
        int n = (int) (-written & 3);
        out.write(PAD, 0, n);
        written += n;
    }

    private static int perm(int mode, String path) {
        if ((mode & ~07777) != 0) throw new IllegalArgumentException(String.format("cpio: mode 0%o of %s has bits beyond 07777", mode, path));
        return mode;
    }

    private static String normalize(String path) {
        String p = path;
        while (p.startsWith("/")) p = p.substring(1);
        if (p.isEmpty() || p.indexOf('\0') >= 0) throw new IllegalArgumentException("cpio: path \"" + path.replace("\0", "\\0") + "\" is empty or contains NUL");
        for (String part : p.split("/")) {
            if (part.equals("..")) throw new IllegalArgumentException("cpio: path " + path + " contains '..'");
        }
        if (p.equals(TRAILER)) throw new IllegalArgumentException("cpio: " + TRAILER + " is reserved for the end marker");
        return p;
    }
}
