package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command-line handling through {@link Jvmm#run}: statuses and one-line errors, no VM needed. */
class JvmmCliTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();

    private int run(String... args) {
        return cli.run(args);
    }

    private String err() {
        return cli.err();
    }

    private void assertOneLineError(String expectedStart) {
        String e = err();
        assertTrue(e.startsWith("jvmm: " + expectedStart), e);
        assertEquals(1, e.lines().count(), "exactly one line, no stack trace: " + e);
    }

    @Test
    void versionPrintsAndSucceeds() {
        assertEquals(0, run("--version"));
        assertTrue(cli.out().startsWith("jvmm "), cli.out());
    }

    @Test
    void noCommandIsAUsageError() {
        assertEquals(125, run());
        assertTrue(err().contains("boot"), "lists the boot command: " + err());
    }

    @Test
    void bootHelpListsEveryFlag() {
        assertEquals(0, run("boot", "--help"));
        for (String flag :
                new String[] {"--hac", "--kernel", "--initrd", "--cmdline", "--cpus", "--memory", "--cpu-template"}) {
            assertTrue(cli.out().contains(flag), flag);
        }
    }

    @Test
    void unknownFlagSuggestsTheRightOne() {
        assertEquals(125, run("boot", "--memroy", "512"));
        assertOneLineError("Unknown option");
        assertTrue(err().contains("did you mean --memory"), err());
    }

    @Test
    void nonNumericCpus() {
        assertEquals(125, run("boot", "--kernel", "x", "--cpus", "two"));
        assertOneLineError("Invalid value for option '--cpus': 'two' is not an int");
    }

    @Test
    void badCpuTemplate() {
        assertEquals(125, run("boot", "--kernel", "x", "--cpu-template", "fast"));
        assertOneLineError("Invalid value for option '--cpu-template': expected auto, host or pvm, got \"fast\"");
    }

    @Test
    void badIrqchip() {
        assertEquals(125, run("boot", "--kernel", "x", "--irqchip", "pic"));
        assertOneLineError("Invalid value for option '--irqchip': expected auto, kernel or split, got \"pic\"");
    }

    @Test
    void bootNeedsHacOrKernel() {
        assertEquals(125, run("boot", "--cpus", "2"));
        assertOneLineError("boot needs --hac FILE, --kernel PATH or --restore DIR");
    }

    @Test
    void missingKernelFileNamesTheFlag() {
        Path k = dir.resolve("vmlinux");
        assertEquals(125, run("boot", "--kernel", k.toString()));
        assertOneLineError("--kernel: " + k + " does not exist");
    }

    @Test
    void emptyKernelFlag() {
        assertEquals(125, run("boot", "--kernel", ""));
        assertOneLineError("--kernel: is empty");
    }

    @Test
    void badHacFileIsOneLineWithStatus2() throws IOException {
        Path hac = Files.writeString(dir.resolve("hac.toml"), "[hardware]\nmemory = \"lots\"\n");
        assertEquals(125, run("boot", "--hac", hac.toString()));
        assertOneLineError(hac + ": hardware.memory: expected an integer (MiB), got string \"lots\"");
    }

    @Test
    void missingHacFile() {
        assertEquals(125, run("boot", "--hac", dir.resolve("none.toml").toString()));
        assertOneLineError(dir.resolve("none.toml") + ": no such file");
    }

    @Test
    void missingDriveIsOneLine() throws IOException {
        Path hac = Files.writeString(dir.resolve("hac.toml"), "[hardware]\nkernel = \"k\"\ndrive = \"root.ext4\"\n");
        Files.writeString(dir.resolve("k"), "k");
        assertEquals(125, run("boot", "--hac", hac.toString()));
        assertOneLineError(hac + ": hardware.drive: " + dir.resolve("root.ext4") + " does not exist");
    }

    @Test
    void badPublishFlagIsOneLine() throws IOException {
        Files.writeString(dir.resolve("k"), "k");
        assertEquals(125, run("boot", "--kernel", dir.resolve("k").toString(), "-p", "80"));
        assertOneLineError("-p: '80' is not HOST:GUEST (e.g. 8080:80 or 5353:53/udp)");
    }

    @Test
    void badDriveFlagIsOneLine() throws IOException {
        Files.writeString(dir.resolve("k"), "k");
        assertEquals(125, run("boot", "--kernel", dir.resolve("k").toString(), "--drive", "x.img,fast"));
        assertOneLineError("--drive x.img,fast: unknown option 'fast' (expected ro, rw, id=NAME, bw=SIZE or ops=N)");
    }

    @Test
    void flagValueOverridesABadlyRangedFileValue() throws IOException {
        // The file's 100 vCPUs would fail validation; --cpus replaces it, so the next error is the kernel's.
        Path hac = Files.writeString(dir.resolve("hac.toml"), "[hardware]\ncores = 100\nkernel = \"nope\"\n");
        assertEquals(125, run("boot", "--hac", hac.toString(), "--cpus", "1"));
        assertOneLineError(hac + ": hardware.kernel: " + dir.resolve("nope") + " does not exist");
    }
}
