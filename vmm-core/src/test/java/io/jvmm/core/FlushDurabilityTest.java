package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the guest wrote and flushed is in the image even when the VMM process is killed with SIGKILL. */
class FlushDurabilityTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        Probes.requireKvm();
    }

    @Test
    void flushedWritesSurviveKillMinus9() throws Exception {
        Path img = Files.write(dir.resolve("disk.img"), new byte[8 << 20]);
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                ProbeMain.class.getName(),
                Probes.probe("virtio-blk").toString(),
                // fill and flush, then keep the device busy with reads long enough to be killed mid-run
                "op=fill,flush,bench sector=1000 count=64 mib=4000 bs=64 depth=4 rw=read timeout=600000",
                img.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
                if (line.equals("virtio-blk: flush status 0")) {
                    new ProcessBuilder("kill", "-9", Long.toString(p.pid()))
                            .start()
                            .waitFor();
                    break;
                }
            }
        } finally {
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(out.toString().contains("virtio-blk: fill 1000 64 status 0"), out.toString());
        assertEquals(137, p.exitValue(), "killed by SIGKILL, not exited: " + out);
        byte[] after = Files.readAllBytes(img);
        for (int s = 1000; s < 1064; s++) {
            for (int i = 0; i < 512; i += 97) {
                assertEquals((byte) ((s * 31 + i) & 0xff), after[s * 512 + i], "sector " + s + " byte " + i);
            }
        }
    }
}
