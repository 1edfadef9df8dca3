package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.files.PathLock;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Imports images from files into a {@link ContentStore}:
 * <ul>
 * <li>{@code docker save} archives ({@code manifest.json}, the config, layer tars; legacy {@code <id>/layer.tar}
 *     layout and the Docker 25+ one with {@code blobs/sha256/}); each layer is checked against the config's
 *     {@code rootfs.diff_ids} and an OCI manifest is written for the image;</li>
 * <li>OCI image layouts, as a directory or a tar ({@code oci-layout}, {@code index.json}, {@code blobs/});
 *     every blob is checked against its descriptor's digest and size; indexes resolve to the platform.</li>
 * </ul>
 * Archives may be gzip- or zstd-compressed. Nothing is indexed unless every blob of the image verified.
 */
public final class ImageImporter {
    private final ContentStore store;
    private final Platform platform;

    public ImageImporter(ContentStore store) {
        this(store, Platform.LINUX_AMD64);
    }

    public ImageImporter(ContentStore store, Platform platform) {
        this.store = store;
        this.platform = platform;
    }

    /**
     * Imports {@code path} (archive file or OCI layout directory). {@code name} (may be null) names the image,
     * overriding the names in the archive; it is required when the archive names none.
     * Returns the index entries written (one per name).
     */
    @SuppressWarnings("try")
    public List<ImageRecord> importPath(Path path, String name) {
        if (!Files.exists(path))
            throw new ImageException(ImageException.Kind.NOT_FOUND, "import: " + path + " does not exist");
        ImageReference override = name == null ? null : ImageReference.parse(name);
        try (PathLock.Held held = store.sharedLock();
                Source src = Files.isDirectory(path) ? new DirSource(path) : TarSource.read(path, store)) {
            if (src.has("oci-layout") && src.has("index.json")) return importOci(src, path, override);
            if (src.has("manifest.json")) return importDockerSave(src, path, override);
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT,
                    "import: " + path
                            + " is neither a docker-save archive (no manifest.json) nor an OCI image layout (no oci-layout/index.json)");
        } catch (IOException e) {
            throw ContentStore.io("import: cannot read " + path, e);
        }
    }

    // ------------------------------------------------------------------ OCI layout

    private List<ImageRecord> importOci(Source src, Path path, ImageReference override) throws IOException {
        JsonNode layout = Json.parse(src.bytes("oci-layout"), path + ": oci-layout");
        if (!layout.path("imageLayoutVersion").asText("").startsWith("1.")) {
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT,
                    "import: " + path + ": unsupported OCI layout version " + layout.path("imageLayoutVersion"));
        }
        byte[] indexBytes = src.bytes("index.json");
        JsonNode index = Json.parse(indexBytes, path + ": index.json");
        JsonNode ms = index.path("manifests");
        if (!ms.isArray() || ms.isEmpty())
            throw new ImageException(ImageException.Kind.BAD_INPUT, "import: " + path + ": index.json lists no images");

        record Pending(ImageReference name, Descriptor manifest, Digest indexDigest, byte[] indexBytes) {}
        List<Pending> pending = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            JsonNode e = ms.get(i);
            String where = path + ": index.json manifests[" + i + "]";
            Descriptor d = Descriptor.fromJson(e, where);
            String mt = d.mediaType() != null ? d.mediaType() : MediaTypes.OCI_MANIFEST;
            Digest nestedDigest = null;
            byte[] nestedBytes = null;
            if (MediaTypes.isIndex(mt)) {
                nestedBytes = blob(src, d, where);
                nestedDigest = d.digest();
                Manifest.Parsed p = Manifest.parse(nestedBytes, mt, where);
                if (!(p instanceof Manifest.Index idx))
                    throw new ImageException(ImageException.Kind.BAD_INPUT, where + " is not an index");
                d = idx.select(platform, where);
            } else if (d.platform() != null && !platform.accepts(d.platform())) {
                skipped.add(d.platform().toString());
                continue;
            }
            JsonNode ann = e.path("annotations");
            String full = ann.path("io.containerd.image.name").asText("");
            String refName = ann.path("org.opencontainers.image.ref.name").asText("");
            ImageReference name;
            if (override != null) name = override;
            else if (!full.isEmpty()) name = ImageReference.parse(full);
            else if (refName.contains("/") || refName.contains("@")) name = ImageReference.parse(refName);
            else {
                throw new ImageException(
                        ImageException.Kind.BAD_INPUT,
                        "import: " + path + " names no image"
                                + (refName.isEmpty() ? "" : " (ref.name '" + refName + "' is only a tag)")
                                + ": give a name");
            }
            pending.add(new Pending(name, d, nestedDigest, nestedBytes));
        }
        if (pending.isEmpty()) {
            throw new ImageException(
                    ImageException.Kind.PLATFORM,
                    "import: " + path + " has no " + platform + " image (available: " + String.join(", ", skipped)
                            + ")");
        }
        if (override != null
                && pending.stream().map(p -> p.manifest.digest()).distinct().count() > 1) {
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT,
                    "import: " + path + " holds " + pending.size()
                            + " images; a name can only be given to a layout with one");
        }
        List<ImageRecord> out = new ArrayList<>();
        Map<Digest, ImageRecord> done = new HashMap<>();
        for (Pending p : pending) {
            ImageRecord base = done.get(p.manifest.digest());
            if (base == null) {
                String where = path + ": manifest " + p.manifest.digest();
                byte[] mbytes = blob(src, p.manifest, where);
                Manifest.Parsed parsed = Manifest.parse(mbytes, p.manifest.mediaType(), where);
                if (!(parsed instanceof Manifest.Image img))
                    throw new ImageException(ImageException.Kind.BAD_INPUT, where + " is not an image manifest");
                storeBlob(src, img.config(), where + " config");
                for (Descriptor l : img.layers()) storeBlob(src, l, where + " layer");
                ImageConfig cfg = ImageConfig.parse(store.readBlob(img.config().digest()));
                if (!cfg.diffIds().isEmpty()
                        && cfg.diffIds().size() != img.layers().size()) {
                    throw new ImageException(
                            ImageException.Kind.BAD_INPUT,
                            where + ": the config lists " + cfg.diffIds().size() + " layers, the manifest "
                                    + img.layers().size());
                }
                store.putBlob(mbytes, p.manifest.digest());
                long size = mbytes.length + img.config().size();
                for (Descriptor l : img.layers()) size += l.size();
                base = new ImageRecord(
                        "",
                        p.manifest.digest(),
                        img.mediaType(),
                        null,
                        img.config(),
                        img.layers(),
                        cfg.created(),
                        Instant.now(),
                        size);
                done.put(p.manifest.digest(), base);
            }
            if (p.indexBytes != null) store.putBlob(p.indexBytes, p.indexDigest);
            ImageRecord rec = new ImageRecord(
                    p.name.toString(),
                    base.manifestDigest(),
                    base.manifestMediaType(),
                    p.indexDigest,
                    base.config(),
                    base.layers(),
                    base.created(),
                    Instant.now(),
                    base.size());
            store.putImage(rec);
            out.add(rec);
        }
        return out;
    }

    /** Reads a small blob (manifest, index) of the layout, checking digest and size. */
    private static byte[] blob(Source src, Descriptor d, String where) throws IOException {
        String p = "blobs/" + d.digest().algorithm() + "/" + d.digest().hex();
        if (!src.has(p))
            throw new ImageException(ImageException.Kind.BAD_INPUT, where + ": blob " + d.digest() + " is missing");
        if (src.size(p) > (4 << 20))
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT, where + ": " + d.digest() + " is larger than 4 MiB");
        byte[] b = src.bytes(p);
        Digest actual = Digest.of(b);
        if (!actual.equals(d.digest())) throw ContentStore.mismatch(where, d.digest(), actual);
        if (b.length != d.size()) throw sizeMismatch(where, d, b.length);
        return b;
    }

    private void storeBlob(Source src, Descriptor d, String where) throws IOException {
        if (store.hasBlob(d.digest())) return;
        String p = "blobs/" + d.digest().algorithm() + "/" + d.digest().hex();
        if (!src.has(p))
            throw new ImageException(ImageException.Kind.BAD_INPUT, where + ": blob " + d.digest() + " is missing");
        if (src.size(p) != d.size()) throw sizeMismatch(where + " " + d.digest(), d, src.size(p));
        src.commit(p, d.digest(), store, where + " " + d.digest());
    }

    private static ImageException sizeMismatch(String where, Descriptor d, long got) {
        return new ImageException(
                ImageException.Kind.DIGEST_MISMATCH,
                "size mismatch for " + where + ": expected " + d.size() + " bytes, got " + got + " (nothing stored)");
    }

    // ------------------------------------------------------------------ docker save

    private List<ImageRecord> importDockerSave(Source src, Path path, ImageReference override) throws IOException {
        JsonNode manifest = Json.parse(src.bytes("manifest.json"), path + ": manifest.json");
        if (!manifest.isArray() || manifest.isEmpty())
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT, "import: " + path + ": manifest.json lists no images");
        if (override != null && manifest.size() > 1) {
            throw new ImageException(
                    ImageException.Kind.BAD_INPUT,
                    "import: " + path + " holds " + manifest.size()
                            + " images; a name can only be given to an archive with one");
        }
        List<ImageRecord> out = new ArrayList<>();
        for (int i = 0; i < manifest.size(); i++) {
            JsonNode m = manifest.get(i);
            String where = path + ": manifest.json[" + i + "]";
            String configPath = clean(m.path("Config").asText(""));
            if (configPath.isEmpty() || !src.has(configPath))
                throw new ImageException(
                        ImageException.Kind.BAD_INPUT, where + ": config '" + configPath + "' is missing");
            byte[] configBytes = src.bytes(configPath);
            Digest configDigest = Digest.of(configBytes);
            checkNamedDigest(configPath, configDigest, where + " config");
            ImageConfig cfg = ImageConfig.parse(configBytes);
            if (cfg.os() != null
                    && cfg.architecture() != null
                    && !platform.accepts(new Platform(cfg.os(), cfg.architecture(), null))
                    && !(platform.os().equals(cfg.os())
                            && platform.architecture().equals(cfg.architecture()))) {
                throw new ImageException(
                        ImageException.Kind.PLATFORM,
                        where + " is a " + cfg.os() + "/" + cfg.architecture() + " image; jvmm runs " + platform
                                + " images");
            }
            JsonNode layerPaths = m.path("Layers");
            if (cfg.diffIds().size() != layerPaths.size()) {
                throw new ImageException(
                        ImageException.Kind.BAD_INPUT,
                        where + ": the config lists " + cfg.diffIds().size() + " layers, manifest.json "
                                + layerPaths.size());
            }
            List<Descriptor> layers = new ArrayList<>();
            List<String> layerFiles = new ArrayList<>();
            for (int j = 0; j < layerPaths.size(); j++) {
                String lp = clean(layerPaths.get(j).asText(""));
                String lw = where + " layer " + lp;
                if (!src.has(lp)) throw new ImageException(ImageException.Kind.BAD_INPUT, lw + " is missing");
                Digest blobDigest = src.digest(lp);
                checkNamedDigest(lp, blobDigest, lw);
                LayerStreams.Compression comp;
                Digest diffId;
                try (InputStream in = new BufferedInputStream(src.open(lp), 1 << 16)) {
                    comp = LayerStreams.detect(in);
                    diffId = LayerStreams.diffId(in);
                } catch (IOException e) {
                    throw new ImageException(
                            ImageException.Kind.BAD_INPUT, lw + " is corrupt: " + ImageException.describe(e), e);
                }
                if (!diffId.equals(cfg.diffIds().get(j))) {
                    throw new ImageException(
                            ImageException.Kind.DIGEST_MISMATCH,
                            "digest mismatch for " + lw + ": the config's diff_id is "
                                    + cfg.diffIds().get(j) + ", the layer's " + diffId + " (nothing stored)");
                }
                String mt = switch (comp) {
                    case NONE -> MediaTypes.OCI_LAYER_TAR;
                    case GZIP -> MediaTypes.OCI_LAYER_GZIP;
                    case ZSTD -> MediaTypes.OCI_LAYER_ZSTD;
                };
                layers.add(new Descriptor(mt, blobDigest, src.size(lp)));
                layerFiles.add(lp);
            }
            // All verified: store layers, config, a synthesized OCI manifest.
            for (int j = 0; j < layers.size(); j++) {
                Descriptor l = layers.get(j);
                if (!store.hasBlob(l.digest()))
                    src.commit(layerFiles.get(j), l.digest(), store, where + " layer " + layerFiles.get(j));
            }
            store.putBlob(configBytes, configDigest);
            Descriptor configDesc = new Descriptor(MediaTypes.OCI_CONFIG, configDigest, configBytes.length);
            ObjectNode om = Json.MAPPER.createObjectNode();
            om.put("schemaVersion", 2);
            om.put("mediaType", MediaTypes.OCI_MANIFEST);
            om.set("config", configDesc.toJson());
            ArrayNode la = om.putArray("layers");
            for (Descriptor l : layers) la.add(l.toJson());
            byte[] mbytes = Json.bytes(om);
            Digest mdigest = store.putBlob(mbytes, null);
            long size = mbytes.length + configBytes.length;
            for (Descriptor l : layers) size += l.size();

            List<ImageReference> names = new ArrayList<>();
            if (override != null) names.add(override);
            else for (JsonNode t : m.path("RepoTags")) names.add(ImageReference.parse(t.asText()));
            if (names.isEmpty()) {
                throw new ImageException(
                        ImageException.Kind.BAD_INPUT, where + " has no RepoTags (saved by id): give a name");
            }
            for (ImageReference n : names) {
                ImageRecord rec = new ImageRecord(
                        n.toString(),
                        mdigest,
                        MediaTypes.OCI_MANIFEST,
                        null,
                        configDesc,
                        layers,
                        cfg.created(),
                        Instant.now(),
                        size);
                store.putImage(rec);
                out.add(rec);
            }
        }
        return out;
    }

    /** {@code <hex>.json}, {@code blobs/sha256/<hex>}, {@code <hex>.tar}: the name promises a digest; check it. */
    private static void checkNamedDigest(String p, Digest actual, String where) {
        String base = p.substring(p.lastIndexOf('/') + 1);
        String hex = base.replaceFirst("\\.(json|tar)$", "");
        if (hex.matches("[a-f0-9]{64}") && !hex.equals(actual.hex())) {
            throw ContentStore.mismatch(where, new Digest("sha256", hex), actual);
        }
    }

    private static String clean(String p) {
        String s = p;
        while (s.startsWith("./")) s = s.substring(2);
        while (s.startsWith("/")) s = s.substring(1);
        return s;
    }

    // ------------------------------------------------------------------ sources

    /** The files of an archive or directory, by relative path. */
    private interface Source extends AutoCloseable {
        boolean has(String path);

        long size(String path) throws IOException;

        InputStream open(String path) throws IOException;

        Digest digest(String path) throws IOException;

        /** Verifies the file is {@code expected} and puts it into the store. */
        void commit(String path, Digest expected, ContentStore store, String where) throws IOException;

        default byte[] bytes(String path) throws IOException {
            if (size(path) > (64 << 20))
                throw new ImageException(ImageException.Kind.BAD_INPUT, path + " is implausibly large");
            try (InputStream in = open(path)) {
                return in.readAllBytes();
            }
        }

        @Override
        void close() throws IOException;
    }

    private static final class DirSource implements Source {
        private final Path dir;

        DirSource(Path dir) throws IOException {
            this.dir = dir.toRealPath();
        }

        private Path file(String p) throws IOException {
            Path f = dir.resolve(p).normalize();
            if (!f.startsWith(dir))
                throw new ImageException(ImageException.Kind.BAD_INPUT, "import: path '" + p + "' escapes " + dir);
            if (Files.exists(f) && !f.toRealPath().startsWith(dir)) {
                throw new ImageException(
                        ImageException.Kind.BAD_INPUT,
                        "import: path '" + p + "' leads out of " + dir + " through a symlink");
            }
            return f;
        }

        @Override
        public boolean has(String p) {
            try {
                return Files.isRegularFile(file(p));
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public long size(String p) throws IOException {
            return Files.size(file(p));
        }

        @Override
        public InputStream open(String p) throws IOException {
            return Files.newInputStream(file(p));
        }

        @Override
        public Digest digest(String p) throws IOException {
            return Digest.of(file(p));
        }

        @Override
        public void commit(String p, Digest expected, ContentStore store, String where) throws IOException {
            try (InputStream in = open(p)) {
                try {
                    store.putBlob(in, expected, size(p));
                } catch (ImageException e) {
                    if (e.kind() == ImageException.Kind.DIGEST_MISMATCH) {
                        throw new ImageException(e.kind(), "import: " + where + ": " + e.getMessage(), e);
                    }
                    throw e;
                }
            }
        }

        @Override
        public void close() {}
    }

    /** A tar (maybe gzip/zstd-compressed) read once into tmp/ of the store, hashing every file on the way. */
    private static final class TarSource implements Source {
        private record FileEntry(Path tmp, Digest digest, long size) {}

        private final Map<String, FileEntry> files = new LinkedHashMap<>();
        private final Map<String, String> links = new HashMap<>();
        private final List<Path> tmps = new ArrayList<>();

        @SuppressWarnings("deprecation")
        static TarSource read(Path archive, ContentStore store) throws IOException {
            TarSource s = new TarSource();
            try (InputStream raw = Files.newInputStream(archive);
                    InputStream in = LayerStreams.uncompressed(new BufferedInputStream(raw, 1 << 16));
                    TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                TarArchiveEntry e;
                int entries = 0;
                while ((e = tar.getNextEntry()) != null) {
                    entries++;
                    String name = clean(e.getName());
                    while (name.endsWith("/")) name = name.substring(0, name.length() - 1);
                    if (e.isSymbolicLink()) {
                        String target = e.getLinkName();
                        String dir = name.contains("/") ? name.substring(0, name.lastIndexOf('/') + 1) : "";
                        s.links.put(name, normalize(target.startsWith("/") ? clean(target) : dir + target));
                    } else if (e.isLink()) {
                        s.links.put(name, normalize(clean(e.getLinkName())));
                    } else if (e.isFile()) {
                        Path t = store.newTmpFile();
                        s.tmps.add(t);
                        MessageDigest md = Digest.newSha256();
                        long n = 0;
                        try (OutputStream out = Files.newOutputStream(t, StandardOpenOption.WRITE)) {
                            byte[] buf = new byte[1 << 16];
                            for (int r; (r = tar.read(buf)) > 0; ) {
                                md.update(buf, 0, r);
                                out.write(buf, 0, r);
                                n += r;
                            }
                        }
                        if (n != e.getSize()) throw new IOException("entry " + name + " is truncated");
                        s.files.put(name, new FileEntry(t, Digest.fromSha256(md), n));
                    }
                }
                if (entries == 0) throw new IOException("no tar entries");
            } catch (IOException | RuntimeException e) {
                s.close();
                if (e instanceof ImageException ie) throw ie;
                throw new ImageException(
                        ImageException.Kind.BAD_INPUT,
                        "import: " + archive + " is not a readable tar archive (truncated or corrupt?): "
                                + ImageException.describe(e),
                        e);
            }
            return s;
        }

        private static String normalize(String p) {
            List<String> parts = new ArrayList<>();
            for (String c : p.split("/")) {
                if (c.isEmpty() || c.equals(".")) continue;
                if (c.equals("..")) {
                    if (!parts.isEmpty()) parts.removeLast();
                } else parts.add(c);
            }
            return String.join("/", parts);
        }

        private FileEntry entry(String p) {
            String k = p;
            for (int hops = 0; hops < 16; hops++) {
                FileEntry f = files.get(k);
                if (f != null) return f;
                String next = links.get(k);
                if (next == null) return null;
                k = next;
            }
            return null;
        }

        private FileEntry need(String p) throws IOException {
            FileEntry f = entry(p);
            if (f == null) throw new NoSuchFileException(p);
            return f;
        }

        @Override
        public boolean has(String p) {
            return entry(p) != null;
        }

        @Override
        public long size(String p) throws IOException {
            return need(p).size;
        }

        @Override
        public InputStream open(String p) throws IOException {
            return Files.newInputStream(need(p).tmp, LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public Digest digest(String p) throws IOException {
            return need(p).digest;
        }

        @Override
        public void commit(String p, Digest expected, ContentStore store, String where) throws IOException {
            FileEntry f = need(p);
            if (!f.digest.equals(expected)) throw ContentStore.mismatch("import: " + where, expected, f.digest);
            if (store.hasBlob(expected) || !Files.exists(f.tmp)) return;
            ContentStore.forceFile(f.tmp);
            store.commit(f.tmp, expected);
        }

        @Override
        public void close() {
            for (Path t : tmps) ContentStore.deleteQuietly(t);
        }
    }
}
