package io.jvmm.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.runc.SpecTemplate;
import io.jvmm.runtime.pod.FakeHypervisor;
import io.jvmm.runtime.pod.PodConfig;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.shim.proto.task.DeleteResponse;
import io.jvmm.shim.proto.types.Mount;
import io.jvmm.shim.task.MemberRoots;
import io.jvmm.shim.task.RootfsMounter;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delete command after a lost shim: the pod goes, the rootfs is unmounted, poststop hooks run. */
class ShimCleanupTest {
    @TempDir
    Path tmp;

    @Test
    void deleteRemovesThePodUnmountsAndRunsPoststopHooks() throws Exception {
        VmStore vms = new VmStore(new StateDirs(tmp.resolve("data"), tmp.resolve("run")));
        Pods pods = new Pods(vms, new FakeHypervisor(vms), new PrintStream(OutputStream.nullOutputStream()));
        pods.create(PodConfig.builder().name("t1").build());
        Path bundle = Files.createDirectories(tmp.resolve("bundle"));
        Files.createDirectories(bundle.resolve("rootfs"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(SpecTemplate.json());
        Path state = tmp.resolve("poststop.json");
        ObjectNode hooks = config.putObject("hooks");
        hooks.putArray("poststop")
                .addObject()
                .put("path", "/bin/sh")
                .set("args", json.valueToTree(List.of("sh", "-c", "cat > " + state)));
        hooks.withArray("poststop").addObject().put("path", "/bin/false");
        Files.write(bundle.resolve("config.json"), json.writeValueAsBytes(config));
        List<String> unmounted = new ArrayList<>(), warnings = new ArrayList<>();
        RootfsMounter mounter = new RootfsMounter() {
            @Override
            public void mount(List<Mount> mounts, Path target) {}

            @Override
            public void unmount(Path target) {
                unmounted.add(target.toString());
            }
        };
        ShimFlags flags = ShimFlags.parse(new String[] {"-namespace", "default", "-id", "t1", "delete"});

        DeleteResponse r = ShimCleanup.delete(
                flags, pods, mounter, new MemberRoots(tmp.resolve("roots"), mounter), bundle, warnings::add);
        assertEquals(137, r.getExitStatus());
        assertEquals(List.of(), pods.list(), "the pod went");
        assertTrue(unmounted.contains(bundle.resolve("rootfs").toString()), unmounted.toString());
        JsonNode s = json.readTree(state.toFile());
        assertEquals("t1", s.get("id").asText());
        assertEquals("stopped", s.get("status").asText());
        assertEquals(bundle.toString(), s.get("bundle").asText());
        assertEquals(
                List.of("error running poststop hook #1 (/bin/false): exit status 1, stdout: , stderr: "), warnings);
    }
}
