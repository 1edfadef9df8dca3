package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class LayerStreamsTest {
    @Test
    void detectsAndDecompressesPlainGzipAndZstd() throws IOException {
        byte[] tar = TestImages.etcLayer().tar();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
            o.write(tar);
        }
        ByteArrayOutputStream zs = new ByteArrayOutputStream();
        try (OutputStream o = new io.airlift.compress.zstd.ZstdOutputStream(zs)) {
            o.write(tar);
        }
        for (var c : new Object[][] {
            {tar, LayerStreams.Compression.NONE},
            {gz.toByteArray(), LayerStreams.Compression.GZIP},
            {zs.toByteArray(), LayerStreams.Compression.ZSTD}
        }) {
            byte[] blob = (byte[]) c[0];
            assertEquals(c[1], LayerStreams.detect(new ByteArrayInputStream(blob)));
            try (InputStream in = LayerStreams.uncompressed(new ByteArrayInputStream(blob))) {
                assertArrayEquals(tar, in.readAllBytes());
            }
            assertEquals(Digest.of(tar), LayerStreams.diffId(new ByteArrayInputStream(blob)));
        }
    }
}
