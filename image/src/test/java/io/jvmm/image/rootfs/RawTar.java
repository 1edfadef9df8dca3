package io.jvmm.image.rootfs;

import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/**
 * Writes tar headers byte by byte, for what Commons Compress will not write (GNU and PAX sparse
 * files, sizes with no data behind them, GNU long names of any length) and streams filler bytes
 * without holding them, so that a bomb of gigabytes costs the test only its compressed size.
 */
final class RawTar implements AutoCloseable {
    static final int BLOCK = 512;

    private final OutputStream out;
    private final byte[] chunk = new byte[1 << 20];

    private RawTar(OutputStream out) {
        this.out = out;
    }

    static RawTar plain(Path file) throws IOException {
        return new RawTar(Files.newOutputStream(file));
    }

    static RawTar gzip(Path file) throws IOException {
        return new RawTar(new GZIPOutputStream(Files.newOutputStream(file), 1 << 16));
    }

    static RawTar zstd(Path file) throws IOException {
        return new RawTar(new ZstdOutputStream(Files.newOutputStream(file)));
    }

    /** A ustar header; {@code size} above 8 GiB is written base-256, as GNU tar does. */
    RawTar header(String name, char type, long size) throws IOException {
        out.write(checksummed(ustar(name, type, size, false)));
        return this;
    }

    /** A header for {@code path} of any length: a PAX path record first when it does not fit in 100 bytes. */
    RawTar named(String path, char type, long size) throws IOException {
        if (path.getBytes(StandardCharsets.UTF_8).length > 100) pax(record("path", path));
        return header(path, type, size);
    }

    /** A symbolic ('2') or hard ('1') link header to {@code target}, with a size of its own. */
    RawTar link(String name, char type, String target, long size) throws IOException {
        byte[] h = ustar(name, type, size, false);
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(t, 0, h, 157, Math.min(t.length, 100));
        out.write(checksummed(h));
        return this;
    }

    /**
     * A GNU sparse ('S') entry of {@code realSize} bytes holding one {@code dataBytes} segment of
     * 'x' at the end, followed by that data. Commons Compress reads these fields as octal only:
     * 12 digits, so at most 64 GiB - 1.
     */
    RawTar gnuSparse(String name, long realSize, int dataBytes) throws IOException {
        byte[] h = ustar(name, 'S', dataBytes, true);
        octal(h, 386, 12, realSize - dataBytes); // sparse[0].offset
        octal(h, 398, 12, dataBytes); //           sparse[0].numbytes
        octal(h, 483, 12, realSize); //            realsize
        out.write(checksummed(h));
        return data('x', dataBytes);
    }

    /** A PAX 0.1 sparse entry (GNU.sparse.size/map/name) with one segment of 'x' at the end. */
    RawTar paxSparse01(String name, long realSize, int dataBytes) throws IOException {
        pax(record("GNU.sparse.size", Long.toString(realSize))
                + record("GNU.sparse.map", (realSize - dataBytes) + "," + dataBytes)
                + record("GNU.sparse.name", name));
        header("GNUSparseFile.0/" + name, '0', dataBytes);
        return data('x', dataBytes);
    }

    /** A PAX 1.0 sparse entry: the map in a block before the data, one segment of 'x' at the end. */
    RawTar paxSparse10(String name, long realSize, int dataBytes) throws IOException {
        pax(record("GNU.sparse.major", "1")
                + record("GNU.sparse.minor", "0")
                + record("GNU.sparse.realsize", Long.toString(realSize))
                + record("GNU.sparse.name", name));
        byte[] map = Arrays.copyOf(
                ("1\n" + (realSize - dataBytes) + "\n" + dataBytes + "\n").getBytes(StandardCharsets.US_ASCII), BLOCK);
        header("GNUSparseFile.0/" + name, '0', BLOCK + dataBytes);
        out.write(map);
        return data('x', dataBytes);
    }

    /** A PAX extended header ('x') holding {@code records}. */
    RawTar pax(String records) throws IOException {
        byte[] r = records.getBytes(StandardCharsets.UTF_8);
        header("PaxHeaders/entry", 'x', r.length);
        out.write(r);
        return pad(r.length);
    }

    /** A PAX header of one record "KEY=aaa…" whose value is {@code valueBytes} long. */
    RawTar paxRecordBomb(String key, long valueBytes) throws IOException {
        long body = 1 + key.length() + 1 + valueBytes + 1; // " key=" value "\n"
        int digits = Long.toString(body).length();
        while (Long.toString(body + digits).length() != digits) digits++;
        long size = body + digits;
        header("PaxHeaders/entry", 'x', size);
        out.write((size + " " + key + "=").getBytes(StandardCharsets.US_ASCII));
        fill('a', valueBytes);
        out.write('\n');
        return pad(size);
    }

    /** {@code n} bytes of {@code fill}, then the padding to a block. */
    RawTar data(char fill, long n) throws IOException {
        fill(fill, n);
        return pad(n);
    }

    /** Two zero blocks: the end of the archive. */
    RawTar end() throws IOException {
        out.write(new byte[2 * BLOCK]);
        return this;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    static String record(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int n = body.getBytes(StandardCharsets.UTF_8).length;
        int digits = Integer.toString(n).length();
        while (Integer.toString(n + digits).length() != digits) digits++;
        return (n + digits) + body;
    }

    private void fill(char fill, long n) throws IOException {
        Arrays.fill(chunk, (byte) fill);
        for (long left = n; left > 0; left -= chunk.length) out.write(chunk, 0, (int) Math.min(left, chunk.length));
    }

    private RawTar pad(long n) throws IOException {
        int rest = (int) (n % BLOCK);
        if (rest != 0) out.write(new byte[BLOCK - rest]);
        return this;
    }

    private static byte[] ustar(String name, char type, long size, boolean gnu) {
        byte[] h = new byte[BLOCK];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(n.length, 100));
        octal(h, 100, 8, type == '5' ? 0755 : 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        if (size <= 077777777777L) {
            octal(h, 124, 12, size);
        } else {
            h[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) h[135 - i] = (byte) (size >>> (8 * i));
        }
        octal(h, 136, 12, 1714564800);
        h[156] = (byte) type;
        byte[] magic = (gnu ? "ustar  \0" : "ustar\u000000").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, h, 257, 8);
        return h;
    }

    /** {@code v} in octal, right-aligned in {@code len} bytes (the last one NUL when there is room). */
    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        int digits = Math.max(s.length(), len - 1);
        if (digits > len) throw new IllegalArgumentException(v + " does not fit in " + len + " octal digits");
        s = "0".repeat(digits - s.length()) + s;
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, digits);
    }

    private static byte[] checksummed(byte[] h) {
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        octal(h, 148, 7, sum);
        h[154] = 0; // six digits, NUL, space
        return h;
    }
}
