package io.jvmm.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Opens a layer blob as its uncompressed tar stream. The compression is told by the first bytes (gzip
 * {@code 1f 8b}, zstd {@code 28 b5 2f fd}, else a plain tar), not trusted from the media type, because
 * docker-save archives and some registries label layers loosely. zstd is decoded in pure Java (aircompressor);
 * gzip by Commons Compress (concatenated members are read).
 */
public final class LayerStreams {
    private LayerStreams() {}

    public enum Compression {
        NONE,
        GZIP,
        ZSTD
    }

    /** The compression of the stream (which must support mark/reset; the position is kept). */
    public static Compression detect(InputStream markable) throws IOException {
        markable.mark(4);
        byte[] b = markable.readNBytes(4);
        markable.reset();
        if (b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) return Compression.GZIP;
        if (b.length >= 4
                && (b[0] & 0xff) == 0x28
                && (b[1] & 0xff) == 0xb5
                && (b[2] & 0xff) == 0x2f
                && (b[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        return Compression.NONE;
    }

    /** The uncompressed tar stream of {@code in} (closing the result closes {@code in}). */
    public static InputStream uncompressed(InputStream in) throws IOException {
        InputStream b = in.markSupported() ? in : new BufferedInputStream(in, 1 << 16);
        return switch (detect(b)) {
            case GZIP ->
                GzipCompressorInputStream.builder()
                        .setInputStream(b)
                        .setDecompressConcatenated(true)
                        .get();
            case ZSTD -> new io.airlift.compress.zstd.ZstdInputStream(b);
            case NONE -> b;
        };
    }

    /** The uncompressed tar stream of a stored layer. */
    public static InputStream openLayer(ContentStore store, Digest layer) throws IOException {
        InputStream in = store.openBlob(layer);
        try {
            return uncompressed(in);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** The sha256 of the uncompressed stream: the layer's diff id (what the config's rootfs.diff_ids lists). */
    public static Digest diffId(InputStream compressedOrNot) throws IOException {
        try (InputStream u = uncompressed(compressedOrNot)) {
            return Digest.of(u);
        }
    }
}
