package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.agent.ContainerLimits;
import io.jvmm.runtime.pod.Agent;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Hypervisor;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The translation as the engine takes it: a pod and its container created (and stored), nothing booted. */
class TranslationIntoPodsTest {
    @TempDir
    Path tmp;

    /** A hypervisor for pods that are only created: nothing is checked, booted or reached. */
    private static final class CreateOnly implements Hypervisor {
        @Override
        public String describe() {
            return "create-only";
        }

        @Override
        public void check(VmRecord pod) {}

        @Override
        public void start(VmRecord pod, Integer readyTimeoutSeconds) {
            throw new UnsupportedOperationException("start");
        }

        @Override
        public boolean running(VmRecord pod) {
            return false;
        }

        @Override
        public boolean paused(VmRecord pod) {
            return false;
        }

        @Override
        public void resume(VmRecord pod) {}

        @Override
        public void stop(VmRecord pod, int graceSeconds) {}

        @Override
        public void awaitStopped(VmRecord pod) {}

        @Override
        public void remove(VmRecord pod, boolean force) {}

        @Override
        public Agent agent(VmRecord pod) {
            throw new UnsupportedOperationException("agent");
        }
    }

    @Test
    void thePodAndItsContainerAreCreatedWithTheRootInTheRootfsBind() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("b/data"));
        ObjectNode c = TestBundles.minimal();
        ObjectNode p = (ObjectNode) c.get("process");
        p.putArray("args").add("sh").add("-c").add("exit 3");
        p.putArray("env").add("PATH=/bin").add("K=v");
        p.put("cwd", "/srv");
        p.putObject("user").put("uid", 1000).put("gid", 1000);
        ObjectNode m = c.putArray("mounts").addObject();
        m.put("destination", "/data").put("type", "bind").put("source", "data");
        c.putObject("linux").putObject("resources").putObject("memory").put("limit", 64L << 20);
        BundleTranslation t =
                BundleTranslator.translate(BundleReader.read(TestBundles.write(tmp.resolve("b"), c)), "oci-1");

        VmStore vms = new VmStore(new StateDirs(tmp.resolve("state"), tmp.resolve("run")));
        Pods pods = new Pods(vms, new CreateOnly(), new PrintStream(OutputStream.nullOutputStream()));
        Pod pod = pods.create(t.pod());
        Container container = pod.createContainer(t.container());

        VmRecord r = pod.record();
        assertEquals("oci-1", r.name());
        assertTrue(r.pod());
        assertEquals(192, r.memoryMib());
        assertEquals(
                List.of(
                        VmRecord.Mount.bind(tmp.resolve("b/rootfs").toRealPath().toString(), "/oci/rootfs", false),
                        VmRecord.Mount.bind(data.toRealPath().toString(), "/oci/mounts/0", false)),
                r.volumes());
        ContainerRecord cr = container.record();
        assertEquals("DIRECTORY", cr.root().kind());
        assertEquals("/oci/rootfs", cr.root().guestPath());
        assertEquals(List.of("sh", "-c", "exit 3"), cr.command());
        assertEquals(List.of("PATH=/bin", "K=v"), cr.env());
        assertEquals("/srv", cr.workdir());
        assertEquals("1000:1000", cr.user());
        assertEquals(ContainerLimits.NONE.withMemory(64L << 20), cr.limits());
        assertEquals("oci-1", cr.labels().get(BundleTranslator.ID_LABEL));
        assertFalse(cr.name().equals("oci-1"), "a container's name cannot be its pod's");
        assertEquals(
                List.of(cr.id()),
                pods.get("oci-1").containers().stream()
                        .map(x -> x.record().id())
                        .toList());
    }
}
