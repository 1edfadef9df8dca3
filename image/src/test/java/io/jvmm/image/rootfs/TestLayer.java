package io.jvmm.image.rootfs;

import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Builds a layer tar in memory with Commons Compress (PAX format) and writes it gzip/zstd/plain. */
final class TestLayer {
    enum Compression {
        GZIP,
        ZSTD,
        NONE
    }

    /** Commons Compress writes PAX times in 100 ns units. */
    static final Instant MTIME = Instant.parse("2024-05-01T12:00:00.1234567Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;
    /** Placeholder value (in the tar) -> the binary bytes that replace it once the tar is finished. */
    private final Map<String, byte[]> binaryPatches = new LinkedHashMap<>();

    TestLayer() {
        tar = new TarArchiveOutputStream(bytes, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
    }

    private static TarArchiveEntry entry(String name, byte flag, int mode, long uid, long gid) {
        TarArchiveEntry e = new TarArchiveEntry(name, flag, true); // true: keep "/" and ".." as given
        e.setMode(mode);
        e.setUserId(uid);
        e.setGroupId(gid);
        e.setLastModifiedTime(FileTime.from(MTIME));
        return e;
    }

    TestLayer dir(String name, int mode, long uid, long gid) throws IOException {
        TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode, uid, gid);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        return this;
    }

    TestLayer dirWithXattr(String name, int mode, Map<String, byte[]> xattrs) throws IOException {
        TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode, 0, 0);
        addXattrs(e, xattrs);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        return this;
    }

    TestLayer file(String name, byte[] content, int mode, long uid, long gid) throws IOException {
        return file(name, content, mode, uid, gid, Map.of());
    }

    TestLayer file(String name, String content) throws IOException {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644, 0, 0);
    }

    /** xattrs: name -> value; a byte[] value that is not valid UTF-8 is patched into the tar raw. */
    TestLayer file(String name, byte[] content, int mode, long uid, long gid, Map<String, byte[]> xattrs)
            throws IOException {
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, mode, uid, gid);
        e.setSize(content.length);
        addXattrs(e, xattrs);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
        return this;
    }

    private void addXattrs(TarArchiveEntry e, Map<String, byte[]> xattrs) {
        for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
            byte[] v = x.getValue();
            String s = new String(v, StandardCharsets.UTF_8);
            if (!Arrays.equals(s.getBytes(StandardCharsets.UTF_8), v)) {
                // Not UTF-8: write a same-length placeholder, patched with the raw bytes at the end
                // (as GNU tar writes binary SCHILY.xattr values).
                String placeholder = "@" + binaryPatches.size() + "P".repeat(v.length - 3) + "@";
                binaryPatches.put(placeholder, v);
                s = placeholder;
            }
            e.addPaxHeader("SCHILY.xattr." + x.getKey(), s);
        }
    }

    TestLayer symlink(String name, String target, long uid, long gid) throws IOException {
        TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, 0777, uid, gid);
        e.setLinkName(target);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        return this;
    }

    TestLayer hardlink(String name, String target) throws IOException {
        TarArchiveEntry e = entry(name, TarConstants.LF_LINK, 0644, 0, 0);
        e.setLinkName(target);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        return this;
    }

    TestLayer device(String name, boolean block, int major, int minor, int mode, long uid, long gid)
            throws IOException {
        TarArchiveEntry e = entry(name, block ? TarConstants.LF_BLK : TarConstants.LF_CHR, mode, uid, gid);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        return this;
    }

    TestLayer fifo(String name, int mode, long uid, long gid) throws IOException {
        tar.putArchiveEntry(entry(name, TarConstants.LF_FIFO, mode, uid, gid));
        tar.closeArchiveEntry();
        return this;
    }

    /** An OCI whiteout: an empty regular file named .wh.NAME (or .wh..wh..opq). */
    TestLayer whiteout(String name) throws IOException {
        return file(name, new byte[0], 0644, 0, 0);
    }

    byte[] tarBytes() throws IOException {
        tar.finish();
        byte[] b = bytes.toByteArray();
        for (Map.Entry<String, byte[]> p : binaryPatches.entrySet()) {
            byte[] needle = p.getKey().getBytes(StandardCharsets.US_ASCII);
            int at = indexOf(b, needle);
            if (at < 0) throw new IllegalStateException("placeholder not found");
            System.arraycopy(p.getValue(), 0, b, at, needle.length);
        }
        return b;
    }

    Path write(Path file, Compression c) throws IOException {
        byte[] t = tarBytes();
        try (OutputStream out = Files.newOutputStream(file)) {
            switch (c) {
                case NONE -> out.write(t);
                case GZIP -> {
                    try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out)) {
                        gz.write(t);
                    }
                }
                case ZSTD -> {
                    try (ZstdOutputStream z = new ZstdOutputStream(out)) {
                        z.write(t);
                    }
                }
            }
        }
        return file;
    }

    private static int indexOf(byte[] h, byte[] n) {
        outer:
        for (int i = 0; i + n.length <= h.length; i++) {
            for (int j = 0; j < n.length; j++) if (h[i + j] != n[j]) continue outer;
            return i;
        }
        return -1;
    }
}
