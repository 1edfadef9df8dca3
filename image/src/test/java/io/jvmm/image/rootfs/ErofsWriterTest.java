package io.jvmm.image.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link ErofsWriter} uses memory; the image format itself is checked by RootfsBuilderTest. */
class ErofsWriterTest {
    @TempDir
    Path tmp;

    @Test
    void metadataAreaLargerThanTheHeapIsWritten() throws Exception {
        // Each 4000-byte file keeps its data inline after its inode: a 64 MiB metadata area, built
        // by a JVM with a 32 MiB heap.
        Path layer = tmp.resolve("small-files.tar.gz");
        try (RawTar t = RawTar.gzip(layer)) {
            for (int i = 0; i < 16_384; i++)
                t.header(String.format("d%02d/f%05d", i % 64, i), '0', 4000).data('f', 4000);
            t.end();
        }
        Path img = tmp.resolve("small-files.erofs");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx32m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        BuildMain.class.getName(),
                        img.toString(),
                        layer.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timeout");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("inodes=16449"), out); // root, 64 directories, the files
        RootfsBuilderTest.fsck(img);
    }
}
