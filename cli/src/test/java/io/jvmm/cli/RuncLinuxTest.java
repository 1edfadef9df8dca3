package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.kvm.Kvm;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.ProcessSyscalls;
import io.jvmm.runc.SpecTemplate;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvmm runc} as conmon drives it, over a bundle made of the busybox tree: create (the pid file
 * names the waiter), state created, start, state running, kill, a signal to the waiter passed on, the
 * waiter exiting with the container's status, state stopped, delete. One boot.
 */
@Tag("linux")
class RuncLinuxTest {
    @TempDir
    static Path home;

    private static VmStore store;
    private final CliRun cli = new CliRun();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        store = VmProcessHome.open(home.resolve("root"));
    }

    @AfterAll
    static void tearDown() {
        VmProcessHome.close(store);
    }

    private String[] runc(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "runc";
        all[1] = "--root";
        all[2] = home.resolve("root").toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return all;
    }

    private String ok(String... args) {
        int status = cli.run(runc(args));
        assertEquals(0, status, () -> String.join(" ", args) + ": " + cli.out() + cli.err());
        return cli.out();
    }

    private JsonNode state(String id) throws Exception {
        return StateJson.mapper().readTree(ok("state", id));
    }

    @Test
    void createStartKillAndDeleteAsConmonDoes() throws Exception {
        Path bundle = Files.createDirectories(home.resolve("bundle"));
        VmProcessHome.busyboxTree(bundle.resolve("rootfs"));
        ObjectNode config = (ObjectNode) StateJson.mapper().readTree(SpecTemplate.json());
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        process.set(
                "args",
                StateJson.mapper()
                        .valueToTree(List.of(
                                "sh",
                                "-c",
                                "code=3; trap 'code=5' USR1; trap 'exit $code' TERM;"
                                        + " while :; do sleep 100000 & wait; done")));
        config.putObject("annotations").put("org.example.k", "v");
        Files.write(bundle.resolve("config.json"), StateJson.mapper().writeValueAsBytes(config));
        Path pidFile = home.resolve("c1.pid");

        ok("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "c1");
        long pid = Long.parseLong(Files.readString(pidFile));
        JsonNode created = state("c1");
        assertEquals("created", created.get("status").asText());
        assertEquals(pid, created.get("pid").asLong());
        assertEquals(bundle.toString(), created.get("bundle").asText());
        assertEquals("v", created.get("annotations").get("org.example.k").asText());
        // The waiter is this JVM's child (create ran here): its status is read as conmon reads it.
        int pidfd = ProcessSyscalls.pidfdOpen(pid);
        try {
            ok("start", "c1");
            assertEquals("running", state("c1").get("status").asText());
            assertTrue(ok("list").lines().anyMatch(l -> l.startsWith("c1 ") && l.contains(" running ")), cli.out());

            assertEquals(1, cli.run(runc("delete", "c1")));
            assertEquals("cannot delete container c1 that is not stopped: running\n", cli.err());
            assertEquals(1, cli.run(runc("start", "c1")));
            assertEquals("cannot start an already running container\n", cli.err());

            // USR1 through runc kill changes the status its TERM trap exits with; TERM goes to the
            // waiter, as conmon or a shim would send it, and the waiter passes it on.
            ok("kill", "c1", "USR1");
            assertEquals("running", state("c1").get("status").asText());
            assertTrue(ProcessSyscalls.pidfdSendSignal(pidfd, 15));
            int status = -1;
            for (int i = 0; i < 120 && status < 0; i++) {
                Libc.poll(pidfd, Libc.POLLIN, 1000);
                status = ProcessSyscalls.waitPidfd(pidfd);
            }
            assertEquals(5, status, "the waiter exits with the container's status");
        } finally {
            Libc.close(pidfd);
        }
        JsonNode stopped = state("c1");
        assertEquals("stopped", stopped.get("status").asText());
        assertEquals(0, stopped.get("pid").asLong());
        assertEquals(1, cli.run(runc("kill", "c1")));
        assertEquals("container not running\n", cli.err());

        ok("delete", "c1");
        assertEquals(1, cli.run(runc("state", "c1")));
        assertEquals("container \"c1\" does not exist\n", cli.err());
        assertTrue(store.list().isEmpty(), () -> store.list().toString());
    }
}
