package io.jvmm.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Builds images in memory (busybox-based, gzip tar layers) and writes them as OCI layouts or docker-save tars. */
final class TestImages {
    private TestImages() {}

    static final Path BUSYBOX = Path.of("/bin/busybox");

    /** /bin/busybox from busybox-static, or (printed) 1 MiB of random bytes when it is not installed. */
    static byte[] busybox() throws IOException {
        if (Files.isRegularFile(BUSYBOX)) return Files.readAllBytes(BUSYBOX);
        System.out.println("TestImages: /bin/busybox missing (apt-get install busybox-static); using random bytes");
        return random(1 << 20, 1);
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Entries of one layer tar. */
    static final class Tar {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream out;

        Tar() {
            out = new TarArchiveOutputStream(bytes);
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        }

        Tar dir(String path) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(path.endsWith("/") ? path : path + "/");
            e.setMode(040755);
            out.putArchiveEntry(e);
            out.closeArchiveEntry();
            return this;
        }

        Tar file(String path, byte[] data, int mode) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(path);
            e.setSize(data.length);
            e.setMode(0100000 | mode);
            out.putArchiveEntry(e);
            out.write(data);
            out.closeArchiveEntry();
            return this;
        }

        Tar file(String path, String text) throws IOException {
            return file(path, text.getBytes(StandardCharsets.UTF_8), 0644);
        }

        Tar symlink(String path, String target) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(path, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(target);
            out.putArchiveEntry(e);
            out.closeArchiveEntry();
            return this;
        }

        byte[] finish() throws IOException {
            out.finish();
            out.close();
            return bytes.toByteArray();
        }
    }

    record Layer(byte[] tar, byte[] blob, Digest digest, Digest diffId, String mediaType) {
        Descriptor descriptor() {
            return new Descriptor(mediaType, digest, blob.length);
        }
    }

    static Layer layer(Consumer<Tar> fill) throws IOException {
        Tar t = new Tar();
        try {
            fill.accept(t);
        } catch (RuntimeException e) {
            throw e;
        }
        byte[] tar = t.finish();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
            o.write(tar);
        }
        byte[] blob = gz.toByteArray();
        return new Layer(tar, blob, Digest.of(blob), Digest.of(tar), MediaTypes.OCI_LAYER_GZIP);
    }

    interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }

    static Layer layerIo(IoConsumer<Tar> fill) throws IOException {
        return layer(t -> {
            try {
                fill.accept(t);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The busybox base layer: /bin/busybox and a few applet symlinks. */
    static Layer busyboxLayer() throws IOException {
        byte[] bb = busybox();
        return layerIo(t -> t.dir("bin")
                .file("bin/busybox", bb, 0755)
                .symlink("bin/sh", "busybox")
                .symlink("bin/ls", "busybox")
                .symlink("bin/cat", "busybox"));
    }

    static Layer etcLayer() throws IOException {
        return layerIo(t -> t.dir("etc")
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n")
                .file("etc/group", "root:x:0:\napp:x:1000:\n")
                .file("etc/hostname", "jvmm\n"));
    }

    static Layer appLayer(String name, int randomBytes) throws IOException {
        byte[] payload = random(randomBytes, name.hashCode());
        return layerIo(t -> t.dir("app")
                .file("app/" + name + ".sh", "#!/bin/sh\necho hello from " + name + "\n")
                .file("app/" + name + ".bin", payload, 0644));
    }

    record Image(
            String arch,
            byte[] config,
            Digest configDigest,
            List<Layer> layers,
            byte[] manifest,
            Digest manifestDigest) {
        Descriptor manifestDescriptor() {
            return new Descriptor(
                    MediaTypes.OCI_MANIFEST, manifestDigest, manifest.length, new Platform("linux", arch, null));
        }
    }

    static Image image(String arch, List<Layer> layers, String... cmd) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("created", "2024-01-02T03:04:05Z");
        c.put("architecture", arch);
        c.put("os", "linux");
        ObjectNode cfg = c.putObject("config");
        ArrayNode ep = cfg.putArray("Entrypoint");
        ep.add("/bin/sh");
        ep.add("-c");
        ArrayNode cm = cfg.putArray("Cmd");
        for (String s : cmd.length == 0 ? new String[] {"echo hi"} : cmd) cm.add(s);
        ArrayNode env = cfg.putArray("Env");
        env.add("PATH=/bin");
        env.add("GREETING=hello");
        cfg.put("WorkingDir", "/app");
        cfg.put("User", "1000:1000");
        cfg.putObject("ExposedPorts").putObject("8080/tcp");
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        for (Layer l : layers) ids.add(l.diffId().toString());
        byte[] config = Json.bytes(c);
        Digest configDigest = Digest.of(config);
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.OCI_MANIFEST);
        m.set("config", new Descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length).toJson());
        ArrayNode la = m.putArray("layers");
        for (Layer l : layers) la.add(l.descriptor().toJson());
        byte[] manifest = Json.bytes(m);
        return new Image(arch, config, configDigest, List.copyOf(layers), manifest, Digest.of(manifest));
    }

    static byte[] index(List<Image> images) {
        ObjectNode idx = Json.MAPPER.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode ms = idx.putArray("manifests");
        for (Image i : images) {
            ObjectNode d = i.manifestDescriptor().toJson();
            ObjectNode p = d.putObject("platform");
            p.put("architecture", i.arch());
            p.put("os", "linux");
            ms.add(d);
        }
        return Json.bytes(idx);
    }

    /** Every blob of the images, by digest. */
    static Map<Digest, byte[]> blobs(List<Image> images) {
        Map<Digest, byte[]> out = new LinkedHashMap<>();
        for (Image i : images) {
            out.put(i.configDigest(), i.config());
            out.put(i.manifestDigest(), i.manifest());
            for (Layer l : i.layers()) out.put(l.digest(), l.blob());
        }
        return out;
    }

    /**
     * Writes an OCI layout with one entry tagged {@code tag}: the image itself, or (several images) an index of them.
     * {@code refName} goes into {@code org.opencontainers.image.ref.name}.
     */
    static Path ociLayout(Path dir, String refName, List<Image> images) throws IOException {
        List<byte[]> blobs = new ArrayList<>(blobs(images).values());
        ObjectNode top;
        if (images.size() == 1) {
            top = images.getFirst().manifestDescriptor().toJson();
        } else {
            byte[] idx = index(images);
            blobs.add(idx);
            top = new Descriptor(MediaTypes.OCI_INDEX, Digest.of(idx), idx.length).toJson();
        }
        return OciLayoutFiles.write(dir, blobs, top, refName);
    }

    /** A legacy {@code docker save} archive: manifest.json, {@code <config hex>.json}, {@code <n>/layer.tar} (uncompressed). */
    static Path dockerSave(Path tarFile, Image img, List<String> repoTags) throws IOException {
        try (OutputStream fo = Files.newOutputStream(tarFile);
                TarArchiveOutputStream out = new TarArchiveOutputStream(fo)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            ObjectNode m = Json.MAPPER.createObjectNode();
            m.put("Config", img.configDigest().hex() + ".json");
            ArrayNode tags = m.putArray("RepoTags");
            repoTags.forEach(tags::add);
            ArrayNode layers = m.putArray("Layers");
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < img.layers().size(); i++) {
                Layer l = img.layers().get(i);
                String dir = l.diffId().hex().substring(0, 16) + i;
                layers.add(dir + "/layer.tar");
                put(out, dir + "/VERSION", "1.0".getBytes(StandardCharsets.UTF_8));
                if (i > 0 && seen.contains(l.diffId().hex())) {
                    TarArchiveEntry e = new TarArchiveEntry(dir + "/layer.tar", TarArchiveEntry.LF_SYMLINK);
                    e.setLinkName("../" + l.diffId().hex().substring(0, 16)
                            + seen.indexOf(l.diffId().hex()) + "/layer.tar");
                    out.putArchiveEntry(e);
                    out.closeArchiveEntry();
                } else {
                    put(out, dir + "/layer.tar", l.tar());
                }
                seen.add(l.diffId().hex());
            }
            put(out, img.configDigest().hex() + ".json", img.config());
            put(out, "manifest.json", Json.bytes(Json.MAPPER.createArrayNode().add(m)));
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
}
