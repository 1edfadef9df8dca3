package io.jvmm.runtime.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.jvmm.core.CpuTemplate;
import io.jvmm.core.IrqChipMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HacFileTest {
    @TempDir
    Path dir;

    private Path write(String toml) throws IOException {
        Path f = dir.resolve("hac.toml");
        Files.writeString(f, toml);
        return f;
    }

    private HacFileException bad(String toml) throws IOException {
        Path f = write(toml);
        HacFileException e = assertThrows(HacFileException.class, () -> HacFile.parse(f));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(f + ": "), "names the file: " + e.getMessage());
        return e;
    }

    @Test
    void parsesHypercoreFileVerbatim() throws IOException {
        // Hypercore's own example, with its comments and keys.
        HacFile h = HacFile.parse(write("""
                [spacecore]
                name = "Test Node"
                description = "Testing"

                [hardware] # resource allocation
                cores = 4 # Number of CPU cores
                memory = 4096 # Memory in MB
                kernel = "/home/dev/hypercore/vmlinux-5.10.217"
                drive = "/home/dev/hypercore/ubuntu-22.04.ext4"
                interface = "ens2"
                """));
        assertEquals("Test Node", h.name());
        assertEquals("Testing", h.description());
        assertEquals(4, h.cores());
        assertEquals(4096L, h.memoryMib());
        assertEquals(Path.of("/home/dev/hypercore/vmlinux-5.10.217"), h.kernel());
        assertEquals(
                new HacFile.Drive("hardware.drive", Path.of("/home/dev/hypercore/ubuntu-22.04.ext4"), false, null),
                h.drive());
        assertEquals("ens2", h.networkInterface());
        assertNull(h.ref());
        assertNull(h.initrd());
    }

    @Test
    void parsesJvmmKeysAndResolvesPathsAgainstTheFilesDirectory() throws IOException {
        HacFile h = HacFile.parse(write("""
                [hardware]
                kernel = "../k/vmlinux"
                initrd = "~/init.cpio"
                cmdline = "quiet loglevel=3"
                cpu_template = "pvm"
                irqchip = "kernel"
                ref = "docker.io/library/alpine:latest"
                """));
        assertEquals(dir.getParent().resolve("k/vmlinux"), h.kernel());
        assertEquals(Path.of(System.getProperty("user.home"), "init.cpio"), h.initrd());
        assertEquals("quiet loglevel=3", h.cmdline());
        assertEquals(CpuTemplate.PVM, h.cpuTemplate());
        assertEquals(IrqChipMode.KERNEL, h.irqchip());
        assertEquals("docker.io/library/alpine:latest", h.ref());
        assertNull(h.cores());
        assertNull(h.memoryMib());
    }

    @Test
    void emptyFileMeansAllDefaults() throws IOException {
        HacFile h = HacFile.parse(write(""));
        assertNull(h.kernel());
        assertNull(h.cores());
        assertNull(h.name());
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope.toml");
        HacFileException e = assertThrows(HacFileException.class, () -> HacFile.parse(f));
        assertEquals(f + ": no such file", e.getMessage());
    }

    @Test
    void directoryIsNotAFile() {
        HacFileException e = assertThrows(HacFileException.class, () -> HacFile.parse(dir));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }

    @Test
    void unreadableFile() throws IOException {
        Path f = write("[hardware]\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(f), "running as root: permissions do not stop reads");
        HacFileException e = assertThrows(HacFileException.class, () -> HacFile.parse(f));
        assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
    }

    @Test
    void notUtf8() throws IOException {
        Path f = dir.resolve("hac.toml");
        Files.write(f, new byte[] {'[', 'h', ']', '\n', 'a', '=', '"', (byte) 0xff, '"', '\n'});
        HacFileException e = assertThrows(HacFileException.class, () -> HacFile.parse(f));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void syntaxErrorReportsLineAndColumn() throws IOException {
        HacFileException e = bad("[hardware]\ncores = 2\nmemory = = 5\n");
        assertTrue(e.getMessage().contains("TOML syntax error at line 3, column"), e.getMessage());
    }

    @Test
    void duplicateKeyIsASyntaxError() throws IOException {
        HacFileException e = bad("[hardware]\ncores = 2\ncores = 3\n");
        assertTrue(e.getMessage().contains("TOML syntax error"), e.getMessage());
    }

    @Test
    void unknownSectionSuggestsTheNearestOne() throws IOException {
        HacFileException e = bad("[hardwre]\ncores = 1\n");
        assertEquals("hardwre", e.key());
        assertTrue(e.getMessage().endsWith("unknown section [hardwre] (did you mean [hardware]?)"), e.getMessage());
    }

    @Test
    void unknownKeySuggestsByEditDistance() throws IOException {
        HacFileException e = bad("[hardware]\nmemroy = 512\n");
        assertEquals("hardware.memroy", e.key());
        assertTrue(e.getMessage().endsWith("(did you mean hardware.memory?)"), e.getMessage());
    }

    @Test
    void unknownKeySuggestsSynonyms() throws IOException {
        HacFileException e = bad("[hardware]\ncpus = 2\n");
        assertTrue(e.getMessage().endsWith("(did you mean hardware.cores?)"), e.getMessage());
    }

    @Test
    void unknownKeyWithNothingCloseHasNoSuggestion() throws IOException {
        HacFileException e = bad("[hardware]\nturbo_encabulator = true\n");
        assertEquals("hardware.turbo_encabulator", e.key());
        assertTrue(e.getMessage().endsWith("unknown key in [hardware]"), e.getMessage());
    }

    @Test
    void keyInTheWrongSectionPointsToTheRightOne() throws IOException {
        HacFileException e = bad("[spacecore]\nkernel = \"vmlinux\"\n");
        assertEquals("spacecore.kernel", e.key());
        assertTrue(e.getMessage().endsWith("(did you mean hardware.kernel?)"), e.getMessage());
    }

    @Test
    void topLevelKeyPointsIntoItsSection() throws IOException {
        HacFileException e = bad("memory = 512\n");
        assertTrue(
                e.getMessage().endsWith("unknown top-level key \"memory\" (did you mean hardware.memory?)"),
                e.getMessage());
    }

    @Test
    void sectionThatIsNotATable() throws IOException {
        HacFileException e = bad("hardware = 3\n");
        assertEquals("hardware", e.key());
        assertTrue(e.getMessage().endsWith("expected a table [hardware], got integer 3"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "memory = \"lots\"      | hardware.memory       | expected an integer (MiB), got string \"lots\"",
                "memory = 1.5           | hardware.memory       | expected an integer (MiB), got float 1.5",
                "memory = 0             | hardware.memory       | must be a positive size in MiB, got 0",
                "memory = -64           | hardware.memory       | must be a positive size in MiB, got -64",
                "memory = 99999999999999999999999 | hardware.memory | 99999999999999999999999 is absurdly large",
                "cores = true           | hardware.cores        | expected an integer (number of vCPUs), got boolean true",
                "cores = 0              | hardware.cores        | must be a positive number of vCPUs, got 0",
                "cores = 4294967296     | hardware.cores        | must be a positive number of vCPUs, got 4294967296",
                "kernel = 42            | hardware.kernel       | expected a string, got integer 42",
                "kernel = \"\"          | hardware.kernel       | is empty; give a file path or leave the key out",
                "initrd = [\"a\"]       | hardware.initrd       | expected a string, got array",
                "cmdline = 1            | hardware.cmdline      | expected a string, got integer 1",
                "cpu_template = \"fast\" | hardware.cpu_template | expected \"auto\", \"host\" or \"pvm\", got \"fast\"",
                "irqchip = \"pic\"      | hardware.irqchip      | expected \"auto\", \"kernel\" or \"split\", got \"pic\"",
                "drive = {a = 1}        | hardware.drive.a      | unknown key (expected path, read_only, id or rate_limit)",
                "drive = 3              | hardware.drive        | expected a path or a table { path = ..., read_only = ... }, got integer 3",
                "drive = {read_only = true} | hardware.drive.path | is required (the image file)",
                "rng = \"yes\"            | hardware.rng          | expected true or false, got string \"yes\"",
            })
    void badHardwareValuesNameTheKey(String line, String key, String problem) throws IOException {
        HacFileException e = bad("[hardware]\n" + line + "\n");
        assertEquals(key, e.key());
        assertEquals(dir.resolve("hac.toml") + ": " + key + ": " + problem, e.getMessage());
    }

    @Test
    void drivesTables() throws IOException {
        HacFile h = HacFile.parse(Files.writeString(dir.resolve("hac.toml"), """
                [hardware]
                drive = { path = "root.ext4", read_only = true, id = "root" }
                [[drives]]
                path = "a.img"
                [[drives]]
                path = "/abs/b.img"
                read_only = true
                id = "b"
                """));
        assertEquals(new HacFile.Drive("hardware.drive", dir.resolve("root.ext4"), true, "root"), h.drive());
        assertEquals(
                List.of(
                        new HacFile.Drive("drives[1]", dir.resolve("a.img"), false, null),
                        new HacFile.Drive("drives[2]", Path.of("/abs/b.img"), true, "b")),
                h.drives());
        HacFileException e = bad("[[drives]]\npath = \"a\"\nreadonly = true\n");
        assertEquals("drives[1].readonly", e.key());
        assertTrue(e.getMessage().endsWith("unknown key in [[drives]] (did you mean read_only?)"), e.getMessage());
        e = bad("[[drives]]\nid = \"x\"\n");
        assertEquals("drives[1].path", e.key());
        e = bad("drives = 3\n");
        assertEquals("drives", e.key());
    }

    @Test
    void badSpacecoreValueNamesTheKey() throws IOException {
        HacFileException e = bad("[spacecore]\nname = 7\n");
        assertEquals("spacecore.name", e.key());
    }
}
