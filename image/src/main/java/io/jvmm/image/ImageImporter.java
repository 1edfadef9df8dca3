package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.files.PathLock;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
                ImportSource src =
                        Files.isDirectory(path) ? new DirectorySource(path) : TarArchiveSource.read(path, store)) {
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

    private List<ImageRecord> importOci(ImportSource src, Path path, ImageReference override) throws IOException {
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
    private static byte[] blob(ImportSource src, Descriptor d, String where) throws IOException {
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

    private void storeBlob(ImportSource src, Descriptor d, String where) throws IOException {
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

    private List<ImageRecord> importDockerSave(ImportSource src, Path path, ImageReference override)
            throws IOException {
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
            String configPath = ImportSource.clean(m.path("Config").asText(""));
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
                String lp = ImportSource.clean(layerPaths.get(j).asText(""));
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
}
