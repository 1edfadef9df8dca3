package io.jvmm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.image.OciLayoutFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Builds OCI images for the CLI tests: gzip tar layers with full control over entries (owners, modes,
 * hard links, symlinks, whiteouts), a config (Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts),
 * written as an OCI image layout ({@code skopeo copy oci:DIR:TAG ...} pushes it; {@code jvmm image import} reads it)
 * or as a legacy {@code docker save} tar.
 */
final class OciTestImage {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path BUSYBOX = Path.of("/bin/busybox");

    /** One layer's entries. */
    static final class Layer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream out;

        Layer() {
            out = new TarArchiveOutputStream(bytes);
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        }

        Layer dir(String path) throws IOException {
            return dir(path, 0755, 0, 0);
        }

        Layer dir(String path, int mode, int uid, int gid) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(path.endsWith("/") ? path : path + "/");
            e.setMode(040000 | mode);
            e.setUserId(uid);
            e.setGroupId(gid);
            out.putArchiveEntry(e);
            out.closeArchiveEntry();
            return this;
        }

        Layer file(String path, byte[] data, int mode, int uid, int gid) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(path, TarArchiveEntry.LF_NORMAL, true);
            e.setSize(data.length);
            e.setMode(0100000 | mode);
            e.setUserId(uid);
            e.setGroupId(gid);
            out.putArchiveEntry(e);
            out.write(data);
            out.closeArchiveEntry();
            return this;
        }

        Layer file(String path, String text) throws IOException {
            return file(path, text.getBytes(StandardCharsets.UTF_8), 0644, 0, 0);
        }

        Layer symlink(String path, String target) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(path, TarArchiveEntry.LF_SYMLINK, true);
            e.setLinkName(target);
            e.setMode(0120777);
            out.putArchiveEntry(e);
            out.closeArchiveEntry();
            return this;
        }

        Layer hardlink(String path, String target) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(path, TarArchiveEntry.LF_LINK, true);
            e.setLinkName(target);
            out.putArchiveEntry(e);
            out.closeArchiveEntry();
            return this;
        }

        /** {@code DIR/.wh.NAME}: deletes NAME of the lower layers. */
        Layer whiteout(String path) throws IOException {
            int slash = path.lastIndexOf('/');
            return file(path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1), new byte[0], 0644, 0, 0);
        }

        /** {@code DIR/.wh..wh..opq}: hides what the lower layers had in DIR. */
        Layer opaque(String dir) throws IOException {
            return file(dir + "/.wh..wh..opq", new byte[0], 0644, 0, 0);
        }

        byte[] tar() throws IOException {
            out.finish();
            out.close();
            return bytes.toByteArray();
        }
    }

    record Built(byte[] config, List<byte[]> layerTars, List<byte[]> layerBlobs, byte[] manifest) {
        String manifestDigest() {
            return sha256(manifest);
        }

        String configDigest() {
            return sha256(config);
        }
    }

    /** The image: layers bottom first, config from {@code config} (the "config" object of the image config). */
    static Built build(List<Layer> layers, ObjectNode config) throws IOException {
        List<byte[]> tars = new ArrayList<>();
        List<byte[]> blobs = new ArrayList<>();
        for (Layer l : layers) {
            byte[] tar = l.tar();
            tars.add(tar);
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (OutputStream o = new GZIPOutputStream(gz)) {
                o.write(tar);
            }
            blobs.add(gz.toByteArray());
        }
        ObjectNode c = JSON.createObjectNode();
        c.put("created", "2024-05-06T07:08:09Z");
        c.put("architecture", "amd64");
        c.put("os", "linux");
        c.set("config", config);
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        for (byte[] t : tars) ids.add(sha256(t));
        byte[] cfg = JSON.writeValueAsBytes(c);
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        m.set("config", descriptor("application/vnd.oci.image.config.v1+json", cfg));
        ArrayNode la = m.putArray("layers");
        for (byte[] b : blobs) la.add(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", b));
        return new Built(cfg, tars, blobs, JSON.writeValueAsBytes(m));
    }

    /** A config object: Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts (nulls left out). */
    static ObjectNode config(
            List<String> entrypoint,
            List<String> cmd,
            List<String> env,
            String workdir,
            String user,
            List<String> exposed) {
        ObjectNode cfg = JSON.createObjectNode();
        if (entrypoint != null) entrypoint.forEach(cfg.putArray("Entrypoint")::add);
        if (cmd != null) cmd.forEach(cfg.putArray("Cmd")::add);
        if (env != null) env.forEach(cfg.putArray("Env")::add);
        if (workdir != null) cfg.put("WorkingDir", workdir);
        if (user != null) cfg.put("User", user);
        if (exposed != null) {
            ObjectNode ports = cfg.putObject("ExposedPorts");
            exposed.forEach(p -> ports.putObject(p));
        }
        return cfg;
    }

    /** Writes an OCI layout in {@code dir} holding {@code img} tagged {@code tag} (a bare tag: skopeo's oci:DIR:TAG). */
    static Path ociLayout(Path dir, Built img, String tag) throws IOException {
        List<byte[]> blobs = new ArrayList<>(List.of(img.config(), img.manifest()));
        blobs.addAll(img.layerBlobs());
        return OciLayoutFiles.write(
                dir, blobs, descriptor("application/vnd.oci.image.manifest.v1+json", img.manifest()), tag);
    }

    /** A legacy {@code docker save} archive: manifest.json, the config, {@code N/layer.tar} (uncompressed). */
    static Path dockerSave(Path tarFile, Built img, String repoTag) throws IOException {
        try (OutputStream fo = Files.newOutputStream(tarFile);
                TarArchiveOutputStream out = new TarArchiveOutputStream(fo)) {
            ObjectNode m = JSON.createObjectNode();
            m.put("Config", img.configDigest().substring(7) + ".json");
            m.putArray("RepoTags").add(repoTag);
            ArrayNode layers = m.putArray("Layers");
            for (int i = 0; i < img.layerTars().size(); i++) {
                layers.add(i + "/layer.tar");
                put(out, i + "/layer.tar", img.layerTars().get(i));
            }
            put(out, img.configDigest().substring(7) + ".json", img.config());
            put(
                    out,
                    "manifest.json",
                    JSON.writeValueAsBytes(JSON.createArrayNode().add(m)));
        }
        return tarFile;
    }

    private static void put(TarArchiveOutputStream out, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        out.putArchiveEntry(e);
        out.write(data);
        out.closeArchiveEntry();
    }

    static ObjectNode descriptor(String mediaType, byte[] data) {
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

    /** /bin/busybox (busybox-static), or null when it is not installed. */
    static byte[] busybox() throws IOException {
        return Files.isRegularFile(BUSYBOX) ? Files.readAllBytes(BUSYBOX) : null;
    }

    /** A small image without busybox (for tests that never boot it): two layers, a config with a command. */
    static Built small(String marker) throws IOException {
        Layer base = new Layer()
                .dir("bin")
                .file("bin/hello", "#!/bin/sh\necho " + marker + "\n")
                .dir("etc")
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        Layer app = new Layer().dir("app").file("app/" + marker + ".txt", marker + "\n");
        return build(
                List.of(base, app),
                config(
                        List.of("/bin/sh", "-c"),
                        List.of("echo hi"),
                        List.of("PATH=/bin", "FOO=bar"),
                        "/app",
                        "root",
                        List.of("8080/tcp")));
    }
}
