package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * podman 4.3 with jvmm-runc as its OCI runtime (through conmon, as a user runs it): its own storage, run
 * and temporary directories and a containers.conf naming the runtime, {@code --cgroups=disabled} (the
 * container's cgroups are its VM's) and {@code --network none} (joining the network namespace podman
 * prepares is not built yet). Two boots: a {@code run --rm}, and a detached container that is exec'd
 * into, read back through {@code logs}, stopped and removed, with a host directory bound both ways.
 */
@Tag("linux")
class PodmanLinuxTest {
    private static final String IMAGE = "localhost/jvmm-podman-test:1";

    @TempDir
    static Path tmp;

    private static Path conf;
    private static VmStore store;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        assumeTrue(ContainerdTestSupport.onPath("podman"), "skipped: podman is not installed (Debian: podman)");
        assumeTrue(StateDirs.currentUid() == 0, "skipped: the test runs podman as root");
        String kernel = System.getenv("JVMM_KERNEL_DIR");
        assumeTrue(
                kernel != null && Files.isRegularFile(Path.of(kernel, "vmlinux")),
                "skipped: JVMM_KERNEL_DIR does not name a built kernel (test.sh sets it)");
        assumeTrue(OciTestImage.busybox() != null, "skipped: /bin/busybox (busybox-static) is not installed");
        // conmon starts the runtime with an environment of its own: the launcher carries what it needs.
        Path home = tmp.resolve("jvmm");
        store = VmProcessHome.open(home);
        Path runc = TestLauncher.write(
                tmp.resolve("jvmm-runc"), "runc", Map.of("JVMM_KERNEL_DIR", kernel, "JVMM_HOME", home.toString()));
        // Hooks as podman finds them (oci-hooks JSON): for containers with the annotation org.example.hooked=yes.
        Path hooks = Files.createDirectories(tmp.resolve("hooks"));
        // (podman runs poststop hooks itself, as an extension stage: createRuntime is one the runtime runs.)
        for (String stage : List.of("createRuntime"))
            Files.writeString(hooks.resolve(stage + ".json"), """
                    {"version": "1.0.0",
                     "hook": {"path": "/bin/sh", "args": ["sh", "-c", "cat > %s"]},
                     "when": {"annotations": {"^org\\\\.example\\\\.hooked$": "^yes$"}},
                     "stages": ["%s"]}
                    """.formatted(hooks.resolve(stage + ".state"), stage));
        conf = tmp.resolve("containers.conf");
        Files.writeString(conf, """
                [engine]
                hooks_dir = ["%s"]
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                runtime_supports_nocgroup = ["jvmm"]
                runtime_supports_kvm = ["jvmm"]
                conmon_env_vars = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "CONTAINERS_CONF=%s"]

                [engine.runtimes]
                jvmm = ["%s"]
                """.formatted(hooks, conf, runc));
        Path layout = OciTestImage.ociLayout(tmp.resolve("image"), image(), "1");
        Result pulled = podman("pull", "oci:" + layout + ":1");
        assertEquals(0, pulled.exit, pulled::all);
        List<String> lines = pulled.out.strip().lines().toList();
        Result tagged = podman("tag", lines.getLast(), IMAGE);
        assertEquals(0, tagged.exit, tagged::all);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (conf == null) return;
        try {
            podman("rm", "--all", "--force", "--time", "0");
            podman("rmi", "--all", "--force");
        } finally {
            VmProcessHome.close(store);
            // podman's shm mounts of a container it could not remove: the temporary directory must go.
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String target = line.split(" ")[4];
                if (target.startsWith(tmp.toString()))
                    new ProcessBuilder("umount", "-l", target).start().waitFor();
            }
        }
    }

    /** busybox with a few applet links, the image config's Env and WorkingDir. */
    private static OciTestImage.Built image() throws IOException {
        OciTestImage.Layer base =
                new OciTestImage.Layer().dir("bin").file("bin/busybox", OciTestImage.busybox(), 0755, 0, 0);
        for (String applet : List.of("sh", "cat", "echo", "sleep", "pwd", "hostname", "ls", "touch", "id"))
            base.symlink("bin/" + applet, "busybox");
        base.dir("etc").file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").dir("srv/work");
        return OciTestImage.build(
                List.of(base),
                OciTestImage.config(
                        null,
                        List.of("/bin/sh"),
                        List.of("PATH=/bin", "GREETING=from-the-image"),
                        "/srv/work",
                        null,
                        null));
    }

    @Test
    void runRemovesTheContainerAndPassesOutputAndStatus() throws Exception {
        Path cid = tmp.resolve("run.cid");
        // -i: podman's stdin reaches the init through conmon, create's stdin and its waiter.
        Result r = podmanWithInput(
                "typed\n",
                "run",
                "--rm",
                "-i",
                "--cidfile",
                cid.toString(),
                "--annotation",
                "org.example.hooked=yes",
                "--cgroups=disabled",
                "--network",
                "none",
                IMAGE,
                "sh",
                "-c",
                "echo hi; echo $GREETING; pwd; echo oops >&2; cat; exit 3");
        assertEquals(3, r.exit, r::all);
        assertEquals("hi\nfrom-the-image\n/srv/work\ntyped\n", r.out, r::all);
        assertTrue(r.err.contains("oops\n"), r::all);
        String id = Files.readString(cid).strip();
        Result ps = podman("ps", "--all", "--quiet", "--no-trunc", "--filter", "id=" + id);
        assertEquals("", ps.out, ps::all);
        assertTrue(
                store.list().stream().noneMatch(v -> v.name().equals(id)),
                () -> "the container's VM is gone: " + store.list());
        // podman's hooks reached the runtime through config.json and ran with the container's state.
        Path hooks = tmp.resolve("hooks");
        JsonNode creating =
                StateJson.mapper().readTree(hooks.resolve("createRuntime.state").toFile());
        assertEquals(id, creating.get("id").asText());
        assertEquals("creating", creating.get("status").asText());
        assertEquals(
                "yes", creating.get("annotations").get("org.example.hooked").asText());
    }

    @Test
    void detachedContainerExecLogsStopAndRemove() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(shared.resolve("in"), "from-the-host\n");
        // -t: the init's terminal, whose master conmon gets over the console socket (its log is the terminal's).
        Result run = podman(
                "run",
                "-d",
                "-t",
                "--name",
                "c1",
                "--cgroups=disabled",
                "--network",
                "none",
                "-v",
                shared + ":/data",
                IMAGE,
                "sh",
                "-c",
                "echo started; cat /data/in; tty; echo from-the-guest > /data/out; while :; do sleep 100000 & wait; done");
        assertEquals(0, run.exit, run::all);
        try {
            execLogsStopAndRemove(shared);
        } finally {
            podman("rm", "--force", "--time", "0", "c1");
        }
        assertTrue(
                store.list().stream().noneMatch(v -> v.name().equals(run.out.strip())),
                () -> "the container's VM is gone: " + store.list());
    }

    private static void execLogsStopAndRemove(Path shared) throws Exception {
        Result exec = podman("exec", "c1", "sh", "-c", "echo exec-out; echo exec-err >&2; pwd; exit 5");
        assertEquals(5, exec.exit, exec::all);
        assertEquals("exec-out\n/srv/work\n", exec.out, exec::all);
        assertTrue(exec.err.contains("exec-err\n"), exec::all);
        Result missing = podman("exec", "c1", "nope");
        assertEquals(127, missing.exit, missing::all);
        Result input = podmanWithInput("piped\n", "exec", "-i", "c1", "cat");
        assertEquals("piped\n", input.out, input::all);
        // A terminal through conmon's console socket: the process's stdin and stdout are its pty in the guest,
        // whose output podman relays as a terminal's (CR LF).
        Result tty = podman("exec", "-t", "c1", "sh", "-c", "tty; test -t 0 && test -t 1 && echo both-ttys; exit 6");
        assertEquals(6, tty.exit, tty::all);
        assertTrue(tty.out.contains("/dev/pts/") && tty.out.contains("both-ttys\r\n"), tty::all);
        // podman's file binds: its /etc/hostname, with the container's name, reaches the container.
        Result hostname = podman("exec", "c1", "cat", "/etc/hostname");
        assertEquals(0, hostname.exit, hostname::all);
        assertEquals(
                podman("inspect", "--format", "{{.Config.Hostname}}", "c1").out.strip(), hostname.out.strip());

        assertEquals("from-the-guest\n", Files.readString(shared.resolve("out")));
        Result logs = podman("logs", "c1");
        assertEquals("started\r\nfrom-the-host\r\n/dev/pts/0\r\n", logs.out, logs::all);

        Result stop = podman("stop", "--time", "2", "c1");
        assertEquals(0, stop.exit, stop::all);
        Result status = podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "c1");
        assertEquals("exited 137\n", status.out, status::all);
        Result rm = podman("rm", "c1");
        assertEquals(0, rm.exit, rm::all);
    }

    record Result(int exit, String out, String err) {
        String all() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private static Result podman(String... args) throws IOException, InterruptedException {
        return podmanWithInput("", args);
    }

    /** podman with this test's storage, run and temporary directories and configuration. */
    private static Result podmanWithInput(String input, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                "podman",
                "--root",
                tmp.resolve("storage").toString(),
                "--runroot",
                tmp.resolve("run").toString(),
                "--tmpdir",
                tmp.resolve("libpod").toString(),
                "--storage-driver",
                "vfs",
                "--runtime",
                "jvmm"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(cmd).redirectError(tmp.resolve("podman.err").toFile());
        pb.environment().put("CONTAINERS_CONF", conf.toString());
        Process p = pb.start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, out, "(timed out)");
        }
        return new Result(p.exitValue(), out, Files.readString(tmp.resolve("podman.err")));
    }
}
