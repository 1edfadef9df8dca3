package io.jvmm.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.runtime.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Container records beside their pod: names checked and unique with VMs', lookups by name and id prefix. */
class ContainerStoreTest {
    @TempDir
    Path tmp;

    private VmStore vms;
    private ContainerStore store;
    private String pod;

    @BeforeEach
    void setUp() {
        vms = new VmStore(new StateDirs(tmp.resolve("data"), tmp.resolve("run")));
        store = new ContainerStore(vms);
        pod = vms.create(VmRecord.draft("/share", List.of()).withName("p").withPod(true))
                .id();
    }

    private static ContainerRecord draft(String name) {
        return new ContainerRecord(
                null,
                name,
                null,
                null,
                new ContainerRecord.Root("IMAGE", "/r.img", "/r.img", "/containers/x/root.img"),
                List.of("true"),
                List.of(),
                null,
                null,
                null,
                false,
                false,
                false,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    @Test
    void recordsAreStoredBesideThePodAndFoundByNameOrIdPrefix() {
        ContainerRecord a = store.create(pod, draft("a"));
        ContainerRecord random = store.create(pod, draft(""));
        assertTrue(VmRecord.isFullId(a.id()));
        assertFalse(random.name().isEmpty());
        assertTrue(Files.isRegularFile(vms.dirs().podContainersDir(pod).resolve("a.json")));
        assertEquals(
                List.of("a", random.name()),
                store.list(pod).stream().map(ContainerRecord::name).toList());
        assertEquals(a, store.resolve("a").orElseThrow());
        assertEquals(a, store.resolve(a.id().substring(0, 8)).orElseThrow());
        assertTrue(store.resolve("nope").isEmpty());
        ContainerRecord changed =
                store.update(pod, "a", c -> c.withState(c.state().running(a.created())));
        assertEquals(
                ContainerRecord.Status.RUNNING,
                store.find(pod, "a").orElseThrow().state().status());
        assertEquals(changed, store.find(pod, "a").orElseThrow());
        store.remove(pod, "a");
        assertTrue(store.find(pod, "a").isEmpty());
    }

    @Test
    void namesThatCouldLeaveTheDirectoryOrClashAreRefused() {
        for (String bad : List.of("../x", "a/b", ".hidden", "x".repeat(65))) {
            EngineException e = assertThrows(EngineException.class, () -> store.create(pod, draft(bad)), bad);
            assertEquals(EngineException.USAGE, e.status(), bad);
        }
        EngineException vm = assertThrows(EngineException.class, () -> store.create(pod, draft("p")));
        assertTrue(vm.getMessage().contains("already used by VM"), vm.getMessage());
        store.create(pod, draft("c"));
        assertThrows(EngineException.class, () -> store.create(pod, draft("c")));
        assertThrows(EngineException.class, () -> store.create("0".repeat(64), draft("d")), "no such pod");
        assertEquals(
                List.of("c"),
                store.list(pod).stream().map(ContainerRecord::name).toList());
    }
}
