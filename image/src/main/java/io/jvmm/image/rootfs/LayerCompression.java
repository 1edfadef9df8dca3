package io.jvmm.image.rootfs;

import io.airlift.compress.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** How a layer blob is compressed, told by its magic bytes (archives get the media type wrong). */
enum LayerCompression {
    GZIP("gzip"),
    ZSTD("zstd"),
    NONE("tar");

    private final String label;

    LayerCompression(String label) {
        this.label = label;
    }

    static LayerCompression detect(byte[] head, int n) {
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) return GZIP;
        if (n >= 4
                && (head[0] & 0xff) == 0x28
                && (head[1] & 0xff) == 0xb5
                && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        return NONE;
    }

    /** The compression of {@code p}, or NONE when it cannot be read: for error messages. */
    static LayerCompression detectQuietly(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] h = in.readNBytes(4);
            return detect(h, h.length);
        } catch (IOException e) {
            return NONE;
        }
    }

    /** The uncompressed tar stream; gzip members may be concatenated. */
    InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case GZIP ->
                GzipCompressorInputStream.builder()
                        .setInputStream(in)
                        .setDecompressConcatenated(true)
                        .get();
            case ZSTD -> new BufferedInputStream(new ZstdInputStream(in), 1 << 16);
            case NONE -> in;
        };
    }

    /** "gzip", "zstd" or "tar", as error messages name the format. */
    String label() {
        return label;
    }
}
