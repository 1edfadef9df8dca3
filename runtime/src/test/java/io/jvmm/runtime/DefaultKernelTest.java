package io.jvmm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives {@link DefaultKernel} against a fake kernel/build.sh that logs its invocations. */
class DefaultKernelTest {
    @TempDir
    Path home;

    Path cache;
    Path log;

    @BeforeEach
    void fakeBuildScript() throws IOException {
        cache = home.resolve("cache/kernel-abc");
        log = home.resolve("calls.log");
        writeScript("""
                #!/bin/sh
                echo "$*" >> '%1$s'
                if [ "$1" = "--print-dir" ]; then echo '%2$s'; exit 0; fi
                echo "building kernel..." >&2
                mkdir -p '%2$s' && echo k > '%2$s/vmlinux' && echo i > '%2$s/initramfs.cpio'
                echo "some build chatter"
                echo '%2$s'
                """.formatted(log, cache));
    }

    private void writeScript(String body) throws IOException {
        Path script = home.resolve("kernel/build.sh");
        Files.createDirectories(script.getParent());
        Files.writeString(script, body);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private List<String> calls() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void buildsOnceWhenTheKernelIsMissingThenReusesIt() throws IOException {
        DefaultKernel dk = new DefaultKernel(home, Map.of());
        DefaultKernel.Images images = dk.resolve();
        assertEquals(cache.resolve("vmlinux"), images.kernel());
        assertEquals(cache.resolve("initramfs.cpio"), images.initramfs());
        assertEquals(List.of("--print-dir", ""), calls());

        assertEquals(images, dk.resolve());
        assertEquals(List.of("--print-dir", "", "--print-dir"), calls(), "built kernel is not rebuilt");
    }

    @Test
    void environmentOverrideSkipsTheScript() throws IOException {
        Path mine = Files.createDirectories(home.resolve("mine"));
        Files.writeString(mine.resolve("vmlinux"), "k");
        Files.writeString(mine.resolve("initramfs.cpio"), "i");
        DefaultKernel.Images images = new DefaultKernel(home, Map.of("JVMM_KERNEL_DIR", mine.toString())).resolve();
        assertEquals(mine.resolve("vmlinux"), images.kernel());
        assertEquals(List.of(), calls());
    }

    @Test
    void environmentOverrideWithoutAKernelIsAnError() {
        EngineException e = assertThrows(
                EngineException.class,
                () -> new DefaultKernel(home, Map.of("JVMM_KERNEL_DIR", home.toString())).resolve());
        assertEquals("JVMM_KERNEL_DIR=" + home + ": no vmlinux in " + home, e.getMessage());
    }

    @Test
    void failingBuildReportsTheScriptAndStatus() throws IOException {
        writeScript("#!/bin/sh\nif [ \"$1\" = --print-dir ]; then echo " + cache
                + "; exit 0; fi\necho 'no space' >&2\nexit 7\n");
        EngineException e = assertThrows(EngineException.class, () -> new DefaultKernel(home, Map.of()).resolve());
        assertEquals(EngineException.RUNTIME, e.status());
        assertEquals(home.resolve("kernel/build.sh") + " failed with exit status 7", e.getMessage());
    }

    @Test
    void buildThatProducesNoInitramfsIsAnError() throws IOException {
        writeScript("#!/bin/sh\nif [ \"$1\" = --print-dir ]; then echo " + cache + "; exit 0; fi\n" + "mkdir -p "
                + cache + " && echo k > " + cache + "/vmlinux; echo " + cache + "\n");
        EngineException e = assertThrows(EngineException.class, () -> new DefaultKernel(home, Map.of()).resolve());
        assertTrue(e.getMessage().endsWith("no initramfs.cpio in " + cache), e.getMessage());
    }

    @Test
    void missingScriptIsAnError() throws IOException {
        Files.delete(home.resolve("kernel/build.sh"));
        EngineException e = assertThrows(EngineException.class, () -> new DefaultKernel(home, Map.of()).resolve());
        assertTrue(e.getMessage().contains("build.sh is missing"), e.getMessage());
    }

    @Test
    void unknownHomeIsAUsageError() {
        EngineException e = assertThrows(EngineException.class, () -> new DefaultKernel(null, Map.of()).resolve());
        assertEquals(EngineException.USAGE, e.status());
        assertTrue(e.getMessage().contains("--kernel"), e.getMessage());
    }
}
