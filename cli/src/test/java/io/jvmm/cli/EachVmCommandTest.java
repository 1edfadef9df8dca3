package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that take several VMs (stop, kill, pause, update, ...) follow docker's rule: each VM's
 * ref on stdout when done, a failed one's error on stderr, the next VM goes on, status 1 if any failed.
 * Created VMs only (nothing boots): stop and update succeed on them, kill and pause fail.
 */
class EachVmCommandTest {
    @TempDir
    Path home;

    private VmStore store;
    private final CliRun cli = new CliRun();

    @BeforeEach
    void setUp() {
        System.setProperty(StateDirs.HOME_PROPERTY, home.toString());
        store = new VmStore(StateDirs.fromEnvironment());
        for (String name : List.of("a", "b"))
            store.create(VmRecord.draft("/images/alpine.ext4", List.of("true")).withName(name));
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(StateDirs.HOME_PROPERTY);
    }

    @Test
    void everyVmDoneInOrderIsStatusZero() {
        assertEquals(0, cli.run("stop", "a", "b"), cli.err());
        assertEquals("a\nb\n", cli.out());
        assertEquals("", cli.err());
    }

    @Test
    void aFailedVmIsReportedAndTheNextOneGoesOn() {
        assertEquals(1, cli.run("stop", "nope", "b"));
        assertEquals("b\n", cli.out());
        assertOneErrorLineNaming("nope");

        assertEquals(1, cli.run("update", "--disk-limit", "none", "a", "nope", "b"));
        assertEquals("a\nb\n", cli.out());
        assertOneErrorLineNaming("nope");
    }

    @Test
    void everyVmFailingIsOneLineEachAndStatusOne() {
        for (String command : List.of("kill", "pause", "unpause")) {
            assertEquals(1, cli.run(command, "a", "b"), command);
            assertEquals("", cli.out(), command);
            List<String> lines = cli.err().lines().toList();
            assertEquals(2, lines.size(), command + ": " + cli.err());
            assertTrue(lines.stream().allMatch(l -> l.startsWith("jvmm: ")), cli.err());
        }
    }

    private void assertOneErrorLineNaming(String ref) {
        String err = cli.err();
        assertTrue(err.startsWith("jvmm: ") && err.contains(ref) && err.lines().count() == 1, err);
    }
}
