package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmStore;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * containerd 1.6 (a private instance: its own config, root, state and socket) running a task through
 * jvmm's shim, {@code ctr run --runtime io.containerd.jvmm.v2}: the image's config reaches the guest,
 * output and exit status come back through containerd, and nothing is left behind.
 */
@Tag("linux")
class ContainerdShimLinuxTest {
    private static final String IMAGE = "docker.io/library/jvmm-shim-test:1";

    @TempDir
    static Path tmp;

    private static Process containerd;
    private static Path socket;
    private static Path shimRoot;

    @BeforeAll
    static void startContainerd() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        assumeTrue(
                ContainerdTestSupport.onPath("containerd") && ContainerdTestSupport.onPath("ctr"),
                "skipped: containerd and ctr are not installed (Debian: containerd)");
        assumeTrue(StateDirs.currentUid() == 0, "skipped: containerd needs root");
        assumeTrue(OciTestImage.busybox() != null, "skipped: /bin/busybox (busybox-static) is not installed");
        VmProcessHome.open(tmp.resolve("unused-home"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        ContainerdTestSupport.write(bin.resolve("containerd-shim-jvmm-v2"));
        shimRoot = tmp.resolve("shim");
        socket = tmp.resolve("containerd.sock");
        Path config = tmp.resolve("config.toml");
        Files.writeString(config, """
                version = 2
                root = "%s"
                state = "%s"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%s"
                """.formatted(tmp.resolve("root"), tmp.resolve("state"), socket));
        ProcessBuilder pb = new ProcessBuilder("containerd", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("containerd.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("PATH", bin + ":" + env.getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        env.put("JVMM_SHIM_ROOT", shimRoot.toString());
        containerd = pb.start();
        for (int i = 0; i < 200 && ctr("version").exit != 0; i++) TimeUnit.MILLISECONDS.sleep(100);
        Result v = ctr("version");
        assertEquals(0, v.exit, () -> "containerd did not come up: " + v.out + log());
        Path tar = OciTestImage.dockerSave(tmp.resolve("image.tar"), image(), IMAGE);
        Result imported = ctr("images", "import", tar.toString());
        assertEquals(0, imported.exit, () -> imported.out);
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.destroy();
            if (!containerd.waitFor(20, TimeUnit.SECONDS)) containerd.destroyForcibly();
        }
        if (shimRoot != null)
            VmProcessHome.close(new VmStore(new StateDirs(
                    Map.of("JVMM_HOME", shimRoot.resolve("ns/default").toString()))));
    }

    /** busybox with a few applet links, the image config's Env, WorkingDir and User. */
    private static OciTestImage.Built image() throws IOException {
        OciTestImage.Layer base = new OciTestImage.Layer()
                .dir("bin")
                .file("bin/busybox", OciTestImage.busybox(), 0755, 0, 0)
                .symlink("bin/sh", "busybox")
                .symlink("bin/cat", "busybox")
                .symlink("bin/id", "busybox")
                .symlink("bin/sleep", "busybox")
                .symlink("bin/nc", "busybox")
                .symlink("bin/ls", "busybox")
                .dir("etc")
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nworker:x:1234:1234::/srv:/bin/sh\n")
                .dir("srv/work", 0755, 1234, 1234);
        return OciTestImage.build(
                List.of(base),
                OciTestImage.config(
                        null,
                        List.of("/bin/sh"),
                        List.of("PATH=/bin", "GREETING=from-the-image"),
                        "/srv/work",
                        "worker",
                        null));
    }

    record Result(int exit, String out) {}

    private static Result ctr(String... args) throws IOException, InterruptedException {
        return ctrWithInput("", args);
    }

    private static Result ctrWithInput(String input, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket.toString()));
        cmd.addAll(List.of(args));
        return run(input, cmd);
    }

    /**
     * ctr on a terminal of its own, as a user at a shell runs {@code ctr task exec -t}: script(1) gives it
     * one, {@code rows} by {@code cols}.
     */
    private static Result ctrOnTerminal(int rows, int cols, String... args) throws IOException, InterruptedException {
        StringBuilder line =
                new StringBuilder("stty rows " + rows + " cols " + cols + "; exec ctr --address '" + socket + "'");
        for (String a : args) line.append(" '").append(a.replace("'", "'\\''")).append('\'');
        return run("", List.of("script", "-qec", line.toString(), "/dev/null"));
    }

    private static Result run(String input, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, out + "(timed out)");
        }
        return new Result(p.exitValue(), out);
    }

    /** containerd's log and the shims', for failure messages. */
    private static String log() {
        return ContainerdTestSupport.logs(tmp, shimRoot.resolve("ns/default"));
    }

    /** {@code ctr events} running until {@link #stop}: what containerd received from the shim. */
    private static final class Events {
        final Process p;
        final Path out;

        Events() throws IOException {
            out = Files.createTempFile(tmp, "events", ".txt");
            p = new ProcessBuilder("ctr", "--address", socket.toString(), "events")
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
        }

        List<String> stop() throws IOException, InterruptedException {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            return Files.readAllLines(out);
        }
    }

    private static boolean hasEvent(List<String> lines, String topic, String id) {
        return lines.stream().anyMatch(l -> l.contains(" " + topic + " ") && l.contains("\"" + id + "\""));
    }

    private static void ok(Result r, String what) {
        assertEquals(0, r.exit, () -> what + ": " + r.out + log());
    }

    @Test
    void ctrRunRemovesItsTaskAndGivesBackOutputAndStatus() throws Exception {
        Events events = new Events();
        Result r = ctr(
                "run",
                "--runtime",
                "io.containerd.jvmm.v2",
                "--rm",
                IMAGE,
                "t1",
                "sh",
                "-c",
                "echo \"$GREETING in $(pwd) as $(id -u)\"; echo to-stderr >&2;"
                        + " grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status | tr -s '\\t' ' ';"
                        + " echo nofile $(ulimit -n); exit 3");
        List<String> seen = events.stop();
        assertEquals(3, r.exit, () -> r.out + log());
        assertTrue(r.out.contains("from-the-image in /srv/work as 1234\n"), () -> r.out + log());
        assertTrue(r.out.contains("to-stderr\n"), r.out);
        // containerd's default spec: its 14 capabilities bound the program (none effective for a
        // non-root user), no new privileges, 1024 files
        assertTrue(
                r.out.contains("CapEff: 0000000000000000\nCapBnd: 00000000a80425fb\nNoNewPrivs: 1\nnofile 1024\n"),
                () -> r.out + log());
        for (String topic : List.of("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"))
            assertTrue(hasEvent(seen, topic, "t1"), () -> topic + " not seen: " + seen + log());
        assertEquals("", ctr("containers", "ls", "-q").out);
        assertEquals("", ctr("tasks", "ls", "-q").out);
        assertEquals(List.of(), pods(), "every pod removed");
    }

    /**
     * containerd's own runc shim (io.containerd.runc.v2) with jvmm-runc as its runc binary, as a
     * {@code BinaryName} in containerd's runc options sets it: the runc command-line contract through
     * containerd, with output, status and exec.
     */
    @Test
    void theRuncShimRunsJvmmRuncAsItsRuncBinary() throws Exception {
        String kernel = System.getenv("JVMM_KERNEL_DIR");
        assumeTrue(kernel != null, "skipped: JVMM_KERNEL_DIR does not name a built kernel (test.sh sets it)");
        Path runcHome = tmp.resolve("runc-home");
        VmStore store = VmProcessHome.open(runcHome);
        Path jvmmRunc = TestLauncher.write(
                tmp.resolve("bin/jvmm-runc"),
                "runc",
                Map.of("JVMM_KERNEL_DIR", kernel, "JVMM_HOME", runcHome.toString()));
        Path runcRoot = tmp.resolve("runc-root");
        try {
            Result r = ctr(
                    "run",
                    "--runc-binary",
                    jvmmRunc.toString(),
                    "--runc-root",
                    runcRoot.toString(),
                    "--rm",
                    IMAGE,
                    "r1",
                    "sh",
                    "-c",
                    "echo \"$GREETING in $(pwd) as $(id -u)\"; echo to-stderr >&2; exit 3");
            assertEquals(3, r.exit, () -> r.out + log());
            assertTrue(r.out.contains("from-the-image in /srv/work as 1234\n"), () -> r.out + log());
            assertTrue(r.out.contains("to-stderr\n"), r.out);
            assertEquals("", ctr("containers", "ls", "-q").out);

            ok(
                    ctr(
                            "run",
                            "--runc-binary",
                            jvmmRunc.toString(),
                            "--runc-root",
                            runcRoot.toString(),
                            "-d",
                            IMAGE,
                            "r2",
                            "sleep",
                            "100000"),
                    "run -d");
            Result exec = ctr("tasks", "exec", "--exec-id", "e1", "r2", "sh", "-c", "echo in-exec $GREETING; exit 4");
            assertEquals(4, exec.exit, () -> exec.out + log());
            assertEquals("in-exec from-the-image\n", exec.out);
            ok(ctr("tasks", "kill", "-s", "KILL", "r2"), "kill");
            Result stopped = null;
            for (int i = 0; i < 300; i++) {
                stopped = ctr("tasks", "ls");
                if (stopped.out.lines().anyMatch(l -> l.startsWith("r2 ") && l.contains("STOPPED"))) break;
                TimeUnit.MILLISECONDS.sleep(100);
            }
            assertTrue(stopped.out.contains("STOPPED"), stopped.out);
            ok(ctr("tasks", "rm", "r2"), "tasks rm");
            ok(ctr("containers", "rm", "r2"), "containers rm");
            assertTrue(store.list().isEmpty(), () -> "every container's VM removed: " + store.list());
        } finally {
            ctr("tasks", "rm", "-f", "r2");
            ctr("containers", "rm", "r2");
            VmProcessHome.close(store);
        }
    }

    @Test
    void ctrRunWithATerminal() throws Exception {
        // The init's terminal, as `ctr run -t` (and kubectl run -it) asks for one: its output is the stdout
        // FIFO's, its size comes by ResizePty once it runs.
        Result tty = ctrOnTerminal(
                30,
                100,
                "run",
                "--runtime",
                "io.containerd.jvmm.v2",
                "-t",
                "--rm",
                IMAGE,
                "t4",
                "sh",
                "-c",
                "tty; sleep 3; stty size; exit 5");
        assertEquals(5, tty.exit, () -> tty.out + log());
        assertTrue(tty.out.contains("/dev/pts/0"), () -> "no terminal: " + tty.out + log());
        assertTrue(tty.out.contains("30 100"), () -> "the size did not arrive: " + tty.out + log());
        assertEquals("", ctr("containers", "ls", "-q").out);
        assertEquals(List.of(), pods(), "every pod removed");
    }

    @Test
    void aDetachedTaskIsListedPausedResumedAndKilled() throws Exception {
        ok(
                ctr(
                        "run",
                        "--runtime",
                        "io.containerd.jvmm.v2",
                        "-d",
                        IMAGE,
                        "t2",
                        "sh",
                        "-c",
                        "trap 'exit 7' TERM; while :; do sleep 1; done"),
                "run -d");
        try {
            assertTrue(
                    ctr("tasks", "ls").out.lines().anyMatch(l -> l.startsWith("t2 ") && l.contains("RUNNING")),
                    ctr("tasks", "ls").out);
            Result ps = ctr("tasks", "ps", "t2");
            ok(ps, "tasks ps");
            assertTrue(ps.out.lines().count() >= 2, ps.out);
            Result metrics = ctr("tasks", "metrics", "t2");
            ok(metrics, "tasks metrics");
            // the guest's cgroup figures: the container's memory and processes are not zero
            assertTrue(
                    metrics.out.lines().anyMatch(l -> l.strip().matches("memory\\.usage\\s+[1-9][0-9]*")), metrics.out);
            assertTrue(
                    metrics.out.lines().anyMatch(l -> l.strip().matches("pids\\.current\\s+[1-9][0-9]*")), metrics.out);
            ok(ctr("tasks", "pause", "t2"), "pause");
            assertTrue(ctr("tasks", "ls").out.contains("PAUSED"), ctr("tasks", "ls").out);
            ok(ctr("tasks", "resume", "t2"), "resume");
            Result exec = ctr("tasks", "exec", "--exec-id", "e1", "t2", "sh", "-c", "echo in-exec $GREETING; exit 4");
            assertEquals(4, exec.exit, () -> exec.out + log());
            assertTrue(exec.out.contains("in-exec from-the-image\n"), exec.out);
            // ctr's exec process is the container's with other args: the same capabilities bound even root's
            Result caps = ctr(
                    "tasks",
                    "exec",
                    "--exec-id",
                    "caps",
                    "--user",
                    "0",
                    "t2",
                    "sh",
                    "-c",
                    "grep -E '^(CapEff|NoNewPrivs)' /proc/self/status | tr -s '\\t' ' '");
            assertEquals("CapEff: 00000000a80425fb\nNoNewPrivs: 1\n", caps.out, () -> caps.out + log());
            // a terminal, as `ctr task exec -t` (and kubectl exec -it, through CRI) asks for one; its size
            // comes by ResizePty once the process runs
            Result tty = ctrOnTerminal(
                    30, 100, "tasks", "exec", "-t", "--exec-id", "tty1", "t2", "sh", "-c", "tty; sleep 3; stty size");
            assertEquals(0, tty.exit, () -> tty.out + log());
            assertTrue(tty.out.contains("/dev/pts/"), () -> "no terminal: " + tty.out);
            assertTrue(tty.out.contains("30 100"), () -> "the size did not arrive: " + tty.out);
            Result cat = ctrWithInput("piped-in\n", "tasks", "exec", "--exec-id", "e2", "t2", "cat");
            assertEquals(0, cat.exit, () -> cat.out + log());
            assertEquals("piped-in\n", cat.out);
            ok(ctr("tasks", "kill", "t2"), "kill");
            Result stopped = null;
            for (int i = 0; i < 60; i++) {
                stopped = ctr("tasks", "ls");
                if (stopped.out.contains("STOPPED")) break;
                TimeUnit.SECONDS.sleep(1);
            }
            Result last = stopped;
            assertTrue(last.out.contains("STOPPED"), () -> last.out + log());
            Result rm = ctr("tasks", "rm", "t2");
            ok(rm, "tasks rm");
            assertTrue(rm.out.contains("7"), rm.out);
        } finally {
            ctr("tasks", "rm", "-f", "t2");
            ctr("containers", "rm", "t2");
        }
        assertEquals(List.of(), pods(), "every pod removed");
    }

    @Test
    void aKilledShimIsCleanedUpByItsDeleteCommand() throws Exception {
        ok(ctr("run", "--runtime", "io.containerd.jvmm.v2", "-d", IMAGE, "t3", "sleep", "100000"), "run -d");
        try {
            long shim = shimPid("t3");
            assertTrue(
                    ProcessHandle.of(shim).map(ProcessHandle::destroyForcibly).orElse(false));
            Result gone = null;
            for (int i = 0; i < 60; i++) {
                gone = ctr("tasks", "ls");
                if (!gone.out.contains("RUNNING")) break;
                TimeUnit.SECONDS.sleep(1);
            }
            Result last = gone;
            assertTrue(!last.out.contains("RUNNING"), () -> last.out + log());
            for (int i = 0; i < 60 && !pods().isEmpty(); i++) TimeUnit.SECONDS.sleep(1);
            assertEquals(List.of(), pods(), () -> "the pod was not removed" + log());
        } finally {
            System.err.println("cleanup: " + ctr("tasks", "rm", "-f", "t3") + ctr("containers", "rm", "t3"));
        }
    }

    /**
     * A Kubernetes pod as CRI hands it to the shim, with CRI's annotations set through ctr: the sandbox
     * boots the pod's VM, and its containers' tasks go to the sandbox's shim and run in that VM, sharing
     * its localhost; each container keeps its own root.
     */
    @Test
    void aKubernetesPodsContainersShareTheSandboxsVm() throws Exception {
        String type = "io.kubernetes.cri.container-type=";
        String sandbox = "io.kubernetes.cri.sandbox-id=pod1";
        List<String> run = List.of("run", "--runtime", "io.containerd.jvmm.v2", "-d", "--annotation", sandbox);
        // the pod's network namespace as CNI leaves one: a veth end with an address, its peer on this host
        for (String tool : new String[] {"/usr/sbin/ip", "/usr/sbin/tc", "/usr/bin/nsenter"})
            assumeTrue(Files.isExecutable(Path.of(tool)), () -> "skipped: no " + tool + " (iproute2, util-linux)");
        String netns = "jvmm-cri-" + ProcessHandle.current().pid(),
                hostEnd = "jvcr" + ProcessHandle.current().pid() % 100000;
        sh("ip netns add " + netns + " && ip link add " + hostEnd + " type veth peer name eth0 netns " + netns
                + " && ip addr add 10.94.0.1/24 dev " + hostEnd + " && ip link set " + hostEnd + " up && ip -n "
                + netns + " addr add 10.94.0.2/24 dev eth0 && ip -n " + netns + " link set eth0 up && ip -n "
                + netns + " route add default via 10.94.0.1");
        try {
            ok(
                    ctr(cat(
                            run,
                            "--annotation",
                            type + "sandbox",
                            "--with-ns",
                            "network:/run/netns/" + netns,
                            IMAGE,
                            "pod1",
                            "sleep",
                            "1")),
                    "run the sandbox");
            ok(
                    ctr(cat(
                            run,
                            "--annotation",
                            type + "container",
                            IMAGE,
                            "web",
                            "sh",
                            "-c",
                            "echo web-root > /srv/work/mine; while :; do echo hello-from-web | nc -l -p 8080; done")),
                    "run the first container");
            Path greeting = Files.writeString(tmp.resolve("greeting"), "from-the-host\n");
            // readable by the image's user whatever the umask (a restrictive one is the likely cause of a
            // non-root EACCES seen once in CI)
            Files.setPosixFilePermissions(greeting, PosixFilePermissions.fromString("rw-r--r--"));
            Path shared = Files.createDirectories(tmp.resolve("shared"));
            Files.setPosixFilePermissions(
                    shared, PosixFilePermissions.fromString("rwxrwxrwx")); // the image's user writes
            ok(
                    ctr(cat(
                            run,
                            "--annotation",
                            type + "container",
                            "--mount",
                            "type=bind,src=" + greeting + ",dst=/etc/greeting,options=rbind:ro",
                            "--mount",
                            "type=bind,src=" + shared + ",dst=/srv/shared,options=rbind:rw",
                            IMAGE,
                            "client",
                            "sh",
                            "-c",
                            "while :; do sleep 1; done")),
                    "run the second container");
            assertEquals(List.of("pod1"), pods(), "one VM for the pod");
            assertEquals(shimPid("pod1"), shimPid("pod1"), "one shim server");
            Result ls = ctr("tasks", "ls");
            assertTrue(ls.out.lines().filter(l -> l.contains("RUNNING")).count() == 3, () -> ls.out + log());

            Result fetched = null;
            for (int i = 0; i < 30; i++) { // until web's listener is up
                fetched = ctr(
                        "tasks", "exec", "--exec-id", "x" + i, "client", "sh", "-c", "nc 127.0.0.1 8080 </dev/null");
                if (fetched.out.contains("hello-from-web")) break;
                TimeUnit.SECONDS.sleep(1);
            }
            Result last = fetched;
            assertTrue(
                    last.out.contains("hello-from-web"),
                    () -> "client cannot reach web on localhost: " + last.out + log());
            // the pod's VM took over the namespace's interface: this host reaches web at the pod's address
            assertEquals("hello-from-web\n", fetch("10.94.0.2", 8080), () -> log());
            Result own = ctr("tasks", "exec", "--exec-id", "own", "client", "sh", "-c", "ls /srv/work");
            assertEquals(0, own.exit, () -> own.out + log());
            assertTrue(!own.out.contains("mine"), () -> "each container has its own root: " + own.out);
            // its binds, placed after the VM booted: a read-only file and a writable directory of the host,
            // read and written by the image's user; the read-only flag is checked as root, whom modes do not stop
            Result binds = ctr(
                    "tasks",
                    "exec",
                    "--exec-id",
                    "binds",
                    "client",
                    "sh",
                    "-c",
                    "cat /etc/greeting; echo written-in-the-pod > /srv/shared/out");
            assertEquals("from-the-host\n", binds.out, () -> binds.out + diagnose("client") + log());
            Result readOnly = ctr(
                    "tasks",
                    "exec",
                    "--exec-id",
                    "ro",
                    "--user",
                    "0",
                    "client",
                    "sh",
                    "-c",
                    "(echo x > /etc/greeting) 2>/dev/null && echo rw || echo ro");
            assertEquals("ro\n", readOnly.out, () -> readOnly.out + diagnose("client") + log());
            assertEquals("written-in-the-pod\n", Files.readString(shared.resolve("out")));
            Result web = ctr("tasks", "exec", "--exec-id", "web1", "web", "cat", "/srv/work/mine");
            assertEquals("web-root\n", web.out, () -> web.out + log());

            for (String c : List.of("client", "web")) {
                ok(ctr("tasks", "kill", "-s", "SIGKILL", c), "kill " + c);
                awaitStopped(c);
                ok(ctr("tasks", "rm", c), "tasks rm " + c);
                ok(ctr("containers", "rm", c), "containers rm " + c);
            }
            assertEquals(List.of("pod1"), pods(), "the pod's VM outlives its containers");
            ok(ctr("tasks", "kill", "-s", "SIGKILL", "pod1"), "kill the sandbox");
            awaitStopped("pod1");
            ok(ctr("tasks", "rm", "pod1"), "tasks rm pod1");
        } finally {
            for (String c : List.of("client", "web", "pod1")) {
                ctr("tasks", "rm", "-f", c);
                ctr("containers", "rm", c);
            }
            run("", List.of("ip", "link", "del", hostEnd));
            run("", List.of("ip", "netns", "del", netns));
        }
        assertEquals(List.of(), pods(), "every pod removed");
        Path roots = shimRoot.resolve("ns/default/pod-roots");
        assertTrue(!Files.exists(roots.resolve("pod1")), () -> "the pod's container roots were not cleaned up");
        assertTrue(
                Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                        .noneMatch(l -> l.contains(roots.toString())),
                "no mount left under the pod's roots");
    }

    private static void sh(String script) throws IOException, InterruptedException {
        Result r = run("", List.of("sh", "-c", script));
        assertEquals(0, r.exit, () -> script + ": " + r.out);
    }

    /** What a server at {@code host:port} sends, once it listens (a refused connection is tried again). */
    private static String fetch(String host, int port) throws IOException, InterruptedException {
        for (int i = 0; i < 60; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 10_000);
                s.setSoTimeout(60_000);
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (ConnectException e) {
                TimeUnit.SECONDS.sleep(1);
            }
        }
        return "(refused for a minute)";
    }

    /** What the container and the host see of its file bind, for a failure's message. */
    private static String diagnose(String task) {
        try {
            Result in = ctr(
                    "tasks",
                    "exec",
                    "--exec-id",
                    "diag",
                    task,
                    "sh",
                    "-c",
                    "id; umask; ls -ln /etc/greeting; grep greeting /proc/mounts");
            Result host = run(
                    "",
                    List.of(
                            "sh",
                            "-c",
                            "umask; ls -ln " + tmp.resolve("greeting") + "; ls -lnR "
                                    + shimRoot.resolve("ns/default/pod-roots") + " | head -40"));
            return "\nin the container:\n" + in.out + "\non the host:\n" + host.out;
        } catch (IOException | InterruptedException e) {
            return "\n(no diagnosis: " + e + ")";
        }
    }

    private static List<String> cat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private static Result ctr(List<String> args) throws IOException, InterruptedException {
        return ctr(args.toArray(String[]::new));
    }

    private static void awaitStopped(String task) throws Exception {
        for (int i = 0; i < 120; i++) {
            if (ctr("tasks", "ls").out.lines().anyMatch(l -> l.startsWith(task + " ") && l.contains("STOPPED"))) return;
            TimeUnit.SECONDS.sleep(1);
        }
        throw new AssertionError(task + " did not stop: " + ctr("tasks", "ls").out + log());
    }

    /** The pods in the shim's state for containerd's default namespace. */
    private static List<String> pods() {
        Path home = shimRoot.resolve("ns/default");
        if (!Files.isDirectory(home)) return List.of();
        return new VmStore(new StateDirs(Map.of("JVMM_HOME", home.toString())))
                .list().stream().map(r -> r.name()).toList();
    }

    /** The shim server serving task {@code id}: the java process started with {@code -id id ... serve}. */
    private static long shimPid(String id) {
        return ProcessHandle.allProcesses()
                .filter(h -> {
                    List<String> l = ContainerdTestSupport.cmdline(h.pid());
                    int i = l.indexOf("-id");
                    return l.contains("serve")
                            && i >= 0
                            && i + 1 < l.size()
                            && l.get(i + 1).equals(id);
                })
                .findFirst()
                .orElseThrow(() -> new AssertionError("no shim server for " + id))
                .pid();
    }
}
