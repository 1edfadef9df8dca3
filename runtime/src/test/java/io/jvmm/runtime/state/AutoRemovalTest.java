package io.jvmm.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --rm}: what a confined VM process removes of its VM, what the next sweep does, and who notices a death. */
class AutoRemovalTest {
    @TempDir
    Path home;

    StateDirs dirs;
    VmStore store;

    @BeforeEach
    void setUp() {
        dirs = new StateDirs(Map.of("JVMM_HOME", home.toString()));
        store = new VmStore(dirs);
    }

    private static VmRecord draft() {
        return VmRecord.draft("/images/alpine.ext4", List.of("sh", "-c", "echo hi"));
    }

    @Test
    void aConfinedVmProcessRemovesItsFilesAndTheNextSweepItsDirectories() throws Exception {
        VmRecord r = store.create(draft().withAutoRemove(true));
        dirs.ensureVmTempDir(r.id());
        Files.writeString(dirs.workloadLog(r.id()), "out");
        Files.writeString(dirs.vmTempDir(r.id()).resolve("initramfs"), "x");
        AutoRemoval.byVmProcess(store, r.id(), true);
        assertTrue(store.find(r.id()).isEmpty(), "the record is gone at once");
        assertTrue(store.list().isEmpty());
        assertTrue(store.broken().isEmpty(), "not shown as broken");
        try (Stream<Path> left = Stream.of(dirs.vmDataDir(r.id()), dirs.vmRunDir(r.id()), dirs.vmTempDir(r.id()))
                .flatMap(d -> {
                    try {
                        return Files.walk(d).toList().stream();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                })) {
            List<String> files = left.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .toList();
            assertEquals(List.of(".removed"), files, "only the marker is left");
        }
        new VmStore(dirs).withLock(() -> null); // a later command: its first lock sweeps
        assertFalse(Files.exists(dirs.vmDataDir(r.id())));
        assertFalse(Files.exists(dirs.vmRunDir(r.id())));
        assertFalse(Files.exists(dirs.vmTempDir(r.id())));
    }

    @Test
    void anAutoRemovedVmWhoseProcessDiedIsRemovedByWhoeverNotices() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        VmRecord r = store.create(draft().withAutoRemove(true));
        // A pid that has ended (and whose start time cannot match a reuse): the VM process died.
        VmRecord running = store.update(r.id(), x -> x.withState(VmRecord.State.running(p.pid(), 1, Instant.now())));
        VmRecord kept = store.create(draft());
        assertFalse(AutoRemoval.ifProcessGone(store, kept), "not --rm");
        assertTrue(AutoRemoval.ifProcessGone(store, running));
        assertTrue(store.find(r.id()).isEmpty());
        assertFalse(Files.exists(dirs.vmDataDir(r.id())));
        assertEquals(List.of(kept), store.list());
    }
}
