package io.jvmm.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.image.OciLayoutFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * OCI images for {@link ImageBench}, built in Java and written as OCI layouts ({@code skopeo copy oci:DIR:TAG}
 * pushes them). Layer 0 is a busybox base (/bin/busybox from busybox-static, applet symlinks, /etc); each further
 * layer is a deterministic "package" of varied files: incompressible libraries, text documents, many small
 * config files, a symlink, a hard link, and a whiteout of a file of the layer below. Same seed, same bytes,
 * same digests: layers shared between two images are really the same blobs.
 */
final class BenchImage {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] APPLETS = {
        "sh",
        "ls",
        "cat",
        "echo",
        "sleep",
        "true",
        "false",
        "id",
        "pwd",
        "stat",
        "readlink",
        "test",
        "mkdir",
        "rm",
        "cp",
        "mv",
        "env",
        "ps",
        "grep",
        "sed",
        "wc",
        "du",
        "df",
        "mount"
    };

    private BenchImage() {}

    /** One layer: its uncompressed tar and the gzip blob pushed to the registry. */
    record Layer(byte[] tar, byte[] blob) {
        static Layer of(byte[] tar) throws IOException {
            ByteArrayOutputStream gz = new ByteArrayOutputStream(tar.length / 2);
            try (OutputStream o = new GZIPOutputStream(gz, 1 << 16)) {
                o.write(tar);
            }
            return new Layer(tar, gz.toByteArray());
        }
    }

    record Built(byte[] config, List<Layer> layers, byte[] manifest) {
        String manifestDigest() {
            return sha256(manifest);
        }

        long tarBytes() {
            return layers.stream().mapToLong(l -> l.tar().length).sum();
        }

        long blobBytes() {
            return layers.stream().mapToLong(l -> l.blob().length).sum();
        }
    }

    private static TarArchiveOutputStream tar(ByteArrayOutputStream bytes) {
        TarArchiveOutputStream out = new TarArchiveOutputStream(bytes);
        out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        return out;
    }

    private static void dir(TarArchiveOutputStream out, String path, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(path.endsWith("/") ? path : path + "/");
        e.setMode(040000 | mode);
        e.setModTime(1_700_000_000_000L);
        out.putArchiveEntry(e);
        out.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream out, String path, byte[] data, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(path, TarArchiveEntry.LF_NORMAL, true);
        e.setSize(data.length);
        e.setMode(0100000 | mode);
        e.setModTime(1_700_000_000_000L);
        out.putArchiveEntry(e);
        out.write(data);
        out.closeArchiveEntry();
    }

    private static void link(TarArchiveOutputStream out, byte type, String path, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(path, type, true);
        e.setLinkName(target);
        e.setMode(type == TarArchiveEntry.LF_SYMLINK ? 0120777 : 0100644);
        e.setModTime(1_700_000_000_000L);
        out.putArchiveEntry(e);
        out.closeArchiveEntry();
    }

    /** Layer 0: /bin/busybox, applet symlinks, /etc/passwd and group, /tmp, /root. */
    static Layer base(byte[] busybox) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = tar(bytes)) {
            dir(out, "bin", 0755);
            file(out, "bin/busybox", busybox, 0755);
            for (String a : APPLETS) link(out, TarArchiveEntry.LF_SYMLINK, "bin/" + a, "busybox");
            dir(out, "etc", 0755);
            file(
                    out,
                    "etc/passwd",
                    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n"
                            .getBytes(StandardCharsets.UTF_8),
                    0644);
            file(out, "etc/group", "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8), 0644);
            dir(out, "tmp", 01777);
            dir(out, "root", 0700);
            dir(out, "usr", 0755);
            dir(out, "usr/lib", 0755);
            dir(out, "usr/share", 0755);
        }
        return Layer.of(bytes.toByteArray());
    }

    /**
     * A "package" layer of about {@code size} bytes named {@code pkg}: ~35% incompressible library files
     * ({@code usr/lib/PKG/lib*.so}), ~50% text documents ({@code usr/share/PKG/doc/*.txt}), ~15% small config
     * files ({@code etc/PKG/conf.d/N.conf}), a symlink and a hard link; when {@code below} names the package
     * of an earlier layer, a whiteout of its {@code 0.conf}.
     */
    static Layer pkg(long seed, String pkg, int size, String below) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        String[] words = new String[400];
        for (int i = 0; i < words.length; i++) {
            char[] w = new char[2 + rnd.nextInt(9)];
            for (int j = 0; j < w.length; j++) w[j] = (char) ('a' + rnd.nextInt(26));
            words[i] = new String(w);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size + size / 8);
        try (TarArchiveOutputStream out = tar(bytes)) {
            String lib = "usr/lib/" + pkg, doc = "usr/share/" + pkg + "/doc", conf = "etc/" + pkg + "/conf.d";
            dir(out, "etc", 0755);
            dir(out, "etc/" + pkg, 0755);
            dir(out, conf, 0755);
            dir(out, "usr", 0755);
            dir(out, "usr/lib", 0755);
            dir(out, lib, 0755);
            dir(out, "usr/share", 0755);
            dir(out, "usr/share/" + pkg, 0755);
            dir(out, doc, 0755);
            int random = size * 35 / 100, text = size * 50 / 100, small = size - random - text;
            for (int i = 0, left = random; left > 0; i++) {
                byte[] b = new byte[Math.min(left, 256 * 1024 + rnd.nextInt(512 * 1024))];
                rnd.nextBytes(b);
                file(out, lib + "/lib" + pkg + "-" + i + ".so", b, 0755);
                left -= b.length;
            }
            link(out, TarArchiveEntry.LF_SYMLINK, lib + "/lib" + pkg + ".so", "lib" + pkg + "-0.so");
            for (int i = 0, left = text; left > 0; i++) {
                byte[] b = text(rnd, words, Math.min(left, 32 * 1024 + rnd.nextInt(224 * 1024)));
                file(out, doc + "/" + words[i % words.length] + "-" + i + ".txt", b, 0644);
                left -= b.length;
            }
            link(out, TarArchiveEntry.LF_LINK, doc + "/README", doc + "/" + words[0] + "-0.txt");
            for (int i = 0, left = small; left > 0; i++) {
                byte[] b = text(rnd, words, Math.min(left, 200 + rnd.nextInt(4000)));
                file(out, conf + "/" + i + ".conf", b, 0644);
                left -= b.length;
            }
            if (below != null) file(out, "etc/" + below + "/conf.d/.wh.0.conf", new byte[0], 0644);
        }
        return Layer.of(bytes.toByteArray());
    }

    private static byte[] text(SplittableRandom rnd, String[] words, int n) {
        StringBuilder sb = new StringBuilder(n + 64);
        int col = 0;
        while (sb.length() < n) {
            String w = words[(int) Math.min(words.length - 1, Math.abs(rnd.nextGaussian()) * words.length / 3)];
            sb.append(w);
            col += w.length() + 1;
            if (col > 72) {
                sb.append('\n');
                col = 0;
            } else {
                sb.append(' ');
            }
        }
        sb.setLength(n);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The image: layers bottom first; Cmd /bin/sh, PATH set, WorkingDir /. */
    static Built build(List<Layer> layers) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        c.put("created", "2024-05-06T07:08:09Z");
        c.put("architecture", "amd64");
        c.put("os", "linux");
        ObjectNode cfg = c.putObject("config");
        cfg.putArray("Cmd").add("/bin/sh");
        cfg.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        cfg.put("WorkingDir", "/");
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        for (Layer l : layers) ids.add(sha256(l.tar()));
        byte[] config = JSON.writeValueAsBytes(c);
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        m.set("config", descriptor("application/vnd.oci.image.config.v1+json", config));
        ArrayNode la = m.putArray("layers");
        for (Layer l : layers) la.add(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", l.blob()));
        return new Built(config, List.copyOf(layers), JSON.writeValueAsBytes(m));
    }

    /** Writes an OCI image layout in {@code dir} holding {@code img} tagged {@code tag}. */
    static Path ociLayout(Path dir, Built img, String tag) throws IOException {
        List<byte[]> blobs = new ArrayList<>(List.of(img.config(), img.manifest()));
        for (Layer l : img.layers()) blobs.add(l.blob());
        return OciLayoutFiles.write(
                dir, blobs, descriptor("application/vnd.oci.image.manifest.v1+json", img.manifest()), tag);
    }

    static List<Layer> concat(List<Layer> a, Layer b) {
        List<Layer> l = new ArrayList<>(a);
        l.add(b);
        return l;
    }

    private static ObjectNode descriptor(String mediaType, byte[] data) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", sha256(data));
        d.put("size", data.length);
        return d;
    }

    static String sha256(byte[] data) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
