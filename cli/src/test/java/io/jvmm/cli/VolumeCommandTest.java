package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvmm volume ...} through {@link Jvmm#run}, end to end with the real mkfs.ext4. */
class VolumeCommandTest {
    @TempDir
    Path home;

    StateDirs dirs;
    private final CliRun cli = new CliRun();

    @BeforeEach
    void setUp() {
        System.setProperty(StateDirs.HOME_PROPERTY, home.toString());
        dirs = StateDirs.fromEnvironment();
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(StateDirs.HOME_PROPERTY);
    }

    private int runWithInput(String stdin, String... args) {
        return cli.withInput(stdin, args);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private String out() {
        return cli.out();
    }

    private String err() {
        return cli.err();
    }

    private static void assumeMkfs() {
        boolean present =
                Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")) || Files.isExecutable(Path.of("/sbin/mkfs.ext4"));
        if (!present) System.out.println("SKIPPED: mkfs.ext4 not installed (e2fsprogs)");
        assumeTrue(present, "mkfs.ext4 not installed (e2fsprogs)");
    }

    @Test
    void createLsInspectRm() throws Exception {
        assumeMkfs();
        assertEquals(0, run("volume", "create", "--size", "32", "data"), err());
        assertEquals("data\n", out());
        assertEquals(0, run("volume", "create", "--size", "1G", "big"), err());
        assertEquals(1L << 30, Files.size(dirs.volumeImage("big")));

        assertEquals(0, run("volume", "ls"));
        List<String> lines = out().lines().toList();
        assertTrue(lines.get(0).matches("DRIVER +VOLUME NAME +SIZE"), lines.get(0));
        assertTrue(lines.get(1).matches("raw-ext4 +big +1024MiB"), lines.get(1));
        assertTrue(lines.get(2).matches("raw-ext4 +data +32MiB"), lines.get(2));
        assertEquals(0, run("volume", "ls", "-q"));
        assertEquals("big\ndata\n", out());

        assertEquals(0, run("volume", "inspect", "data"));
        JsonNode a = StateJson.mapper().readTree(out());
        assertEquals(1, a.size());
        assertEquals("data", a.get(0).get("Name").asText());
        assertEquals("raw-ext4", a.get(0).get("Driver").asText());
        assertEquals(
                dirs.volumeImage("data").toString(), a.get(0).get("Mountpoint").asText());
        assertEquals(32L << 20, a.get(0).get("Size").asLong());

        assertEquals(1, run("volume", "inspect", "data", "nope"));
        assertEquals(1, StateJson.mapper().readTree(out()).size(), "the found ones are printed");
        assertEquals("jvmm: no such volume: nope\n", err());

        assertEquals(0, run("volume", "rm", "data", "big"));
        assertEquals("data\nbig\n", out());
        assertEquals(0, run("volume", "ls", "-q"));
        assertEquals("", out());
        assertEquals(1, run("volume", "rm", "data"));
        assertEquals("jvmm: no such volume: data\n", err());
    }

    @Test
    void badNameAndSizeAreOneLineUsageErrors() {
        assertEquals(125, run("volume", "create", "bad/name"));
        assertTrue(err().startsWith("jvmm: invalid volume name \"bad/name\""), err());
        assertEquals(1, err().lines().count());
        assertEquals(125, run("volume", "create", "--size", "lots", "x"));
        assertEquals("jvmm: --size: expected a size in MiB such as 1024, 512M or 2G, got \"lots\"\n", err());
        assertEquals(125, run("volume", "create", "--size", "0", "x"));
        assertEquals(1, err().lines().count());
        assertFalse(Files.exists(dirs.volumesDir().resolve("x")));
    }

    @Test
    void volumeAloneShowsUsage() {
        assertEquals(125, run("volume"));
        assertTrue(err().contains("create") && err().contains("prune"), err());
    }

    @Test
    void rmRefusesAVolumeInUse() throws Exception {
        assumeMkfs();
        assertEquals(0, run("volume", "create", "--size", "16", "data"));
        Process holder = new ProcessBuilder("flock", dirs.volumeImage("data").toString(), "sleep", "30").start();
        try {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (ProcessInfo.children(holder.pid()).isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(1, run("volume", "rm", "data"));
            assertTrue(err().startsWith("jvmm: volume \"data\" is in use (its image "), err());
            assertEquals(1, err().lines().count());
        } finally {
            ProcessInfo.killTree(
                    new ProcessInfo.Id(
                            holder.pid(), ProcessInfo.startTime(holder.pid()).orElse(0)),
                    Duration.ofSeconds(5));
        }
        assertEquals(0, run("volume", "rm", "data"));
    }

    @Test
    void pruneAsksUnlessForced() throws Exception {
        assumeMkfs();
        assertEquals(0, run("volume", "create", "--size", "16", "used"));
        assertEquals(0, run("volume", "create", "--size", "16", "unused1"));
        assertEquals(0, run("volume", "create", "--size", "16", "unused2"));
        new VmStore(dirs)
                .create(VmRecord.draft("/i", List.of())
                        .withVolumes(List.of(VmRecord.Mount.volume("used", "/u", false))));

        assertEquals(1, runWithInput("n\n", "volume", "prune"));
        assertTrue(out().startsWith("WARNING! This will remove all volumes not used by at least one VM."), out());
        assertEquals("jvmm: volume prune cancelled; nothing was removed\n", err());
        assertEquals(1, runWithInput("", "volume", "prune"), "EOF is no");
        assertEquals(0, run("volume", "ls", "-q"));
        assertEquals("unused1\nunused2\nused\n", out());

        assertEquals(0, runWithInput("y\n", "volume", "prune"));
        assertTrue(out().endsWith("Deleted Volumes:\nunused1\nunused2\n"), out());
        assertEquals(0, run("volume", "create", "--size", "16", "again"));
        assertEquals(0, run("volume", "prune", "-f"));
        assertEquals("Deleted Volumes:\nagain\n", out());
        assertEquals(0, run("volume", "ls", "-q"));
        assertEquals("used\n", out());
    }
}
