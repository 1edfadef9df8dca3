package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.kvm.Kvm;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.kvm.sys.ProcessSyscalls;
import io.jvmm.kvm.sys.Pty;
import io.jvmm.kvm.sys.SocketSyscalls;
import io.jvmm.runc.SpecTemplate;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmStore;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
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
        // Every hook: the host ones append to one file, in order; startContainer runs in the guest, in the container.
        Path hooks = Files.createDirectories(home.resolve("hooks"));
        Path order = hooks.resolve("order");
        ObjectNode h = config.putObject("hooks");
        h.set("prestart", hook("echo prestart >> " + order, null));
        h.set(
                "createRuntime",
                hook(
                        "echo \"$0 $HOOK_ENV\" >> " + order + "; cat > " + hooks.resolve("createRuntime.json"),
                        "HOOK_ENV=given"));
        h.set("createContainer", hook("echo createContainer >> " + order, null));
        ObjectNode inGuest = StateJson.mapper().createObjectNode();
        inGuest.put("path", "/bin/sh");
        inGuest.set("args", StateJson.mapper().valueToTree(List.of("sh", "-c", "cat > /dev/shm/start.json")));
        // a second one that never reads its stdin
        ObjectNode inGuestToo = StateJson.mapper().createObjectNode();
        inGuestToo.put("path", "/bin/sh");
        inGuestToo.set("args", StateJson.mapper().valueToTree(List.of("sh", "-c", "echo second > /dev/shm/second")));
        h.putArray("startContainer").add(inGuest).add(inGuestToo);
        h.set("poststart", hook("echo poststart >> " + order + "; cat > " + hooks.resolve("poststart.json"), null));
        h.set("poststop", hook("echo poststop >> " + order + "; cat > " + hooks.resolve("poststop.json"), null));
        ((com.fasterxml.jackson.databind.node.ArrayNode) h.get("poststop"))
                .add(hook("echo cleanup failed >&2; exit 3", null).get(0));
        Files.write(bundle.resolve("config.json"), StateJson.mapper().writeValueAsBytes(config));
        Path pidFile = home.resolve("c1.pid");

        ok("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "c1");
        long pid = Long.parseLong(Files.readString(pidFile));
        JsonNode created = state("c1");
        assertEquals("created", created.get("status").asText());
        assertEquals(pid, created.get("pid").asLong());
        assertEquals(bundle.toString(), created.get("bundle").asText());
        assertEquals("v", created.get("annotations").get("org.example.k").asText());
        assertEquals("prestart\nthe-hook given\ncreateContainer\n", Files.readString(order));
        JsonNode creating =
                StateJson.mapper().readTree(hooks.resolve("createRuntime.json").toFile());
        assertEquals("creating", creating.get("status").asText());
        assertEquals(pid, creating.get("pid").asLong());
        assertEquals(bundle.toString(), creating.get("bundle").asText());
        assertEquals("v", creating.get("annotations").get("org.example.k").asText());
        // The waiter is this JVM's child (create ran here): its status is read as conmon reads it.
        int pidfd = ProcessSyscalls.pidfdOpen(pid);
        try {
            ok("start", "c1");
            assertEquals("running", state("c1").get("status").asText());
            assertEquals("prestart\nthe-hook given\ncreateContainer\npoststart\n", Files.readString(order));
            assertEquals(
                    "running",
                    StateJson.mapper()
                            .readTree(hooks.resolve("poststart.json").toFile())
                            .get("status")
                            .asText());
            JsonNode started = StateJson.mapper().readTree(ok("exec", "c1", "cat", "/dev/shm/start.json"));
            assertEquals(
                    "created", started.get("status").asText(), "startContainer ran in the container, before start");
            assertEquals("c1", started.get("id").asText());
            assertEquals("second\n", ok("exec", "c1", "cat", "/dev/shm/second"));
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
        // A failing poststop hook is a warning: the others ran, and delete succeeded.
        assertTrue(
                cli.err()
                        .contains(
                                "error running poststop hook #1 (/bin/sh): exit status 3, stdout: , stderr: cleanup failed"),
                cli.err());
        assertTrue(Files.readString(order).endsWith("poststart\npoststop\n"), Files.readString(order));
        JsonNode gone =
                StateJson.mapper().readTree(hooks.resolve("poststop.json").toFile());
        assertEquals("stopped", gone.get("status").asText());
        assertTrue(!gone.has("pid"), gone.toString());
        assertEquals(1, cli.run(runc("state", "c1")));
        assertEquals("container \"c1\" does not exist\n", cli.err());
        assertTrue(store.list().isEmpty(), () -> store.list().toString());
    }

    /** A one-hook array: {@code sh -c script} as {@code the-hook} (argv[0]), with {@code env} when given. */
    private static com.fasterxml.jackson.databind.node.ArrayNode hook(String script, String env) {
        ObjectNode o = StateJson.mapper().createObjectNode();
        o.put("path", "/bin/sh");
        o.set("args", StateJson.mapper().valueToTree(List.of("the-hook", "-c", script)));
        if (env != null) o.putArray("env").add(env);
        o.put("timeout", 30);
        return StateJson.mapper().createArrayNode().add(o);
    }

    /** A create hook that fails ends create with runc's error; the container is gone and its poststop hooks ran. */
    @Test
    void aFailingCreateHookUndoesCreate() throws Exception {
        Path bundle = bundle("failing-hook", false, List.of("true"));
        ObjectNode config = (ObjectNode)
                StateJson.mapper().readTree(bundle.resolve("config.json").toFile());
        Path order = home.resolve("failing-order");
        ObjectNode h = config.putObject("hooks");
        h.set("createRuntime", hook("echo refused; exit 7", null));
        h.set("poststop", hook("echo poststop >> " + order, null));
        Files.write(bundle.resolve("config.json"), StateJson.mapper().writeValueAsBytes(config));
        assertEquals(1, cli.run(runc("create", "--bundle", bundle.toString(), "cf")));
        assertEquals(
                "error running createRuntime hook #0 (/bin/sh): exit status 7, stdout: refused, stderr: \n", cli.err());
        assertEquals("poststop\n", Files.readString(order));
        assertEquals(1, cli.run(runc("state", "cf")));
        assertTrue(
                store.list().stream().noneMatch(r -> r.name().equals("cf")),
                () -> store.list().toString());
    }

    /**
     * A bundle of the busybox tree whose init runs {@code args} (on a terminal with {@code terminal}), with FOO
     * in its env and /tmp as its cwd.
     */
    private static Path bundle(String name, boolean terminal, List<String> args) throws Exception {
        Path bundle = Files.createDirectories(home.resolve(name));
        VmProcessHome.busyboxTree(bundle.resolve("rootfs"));
        ObjectNode config = (ObjectNode) StateJson.mapper().readTree(SpecTemplate.json());
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", terminal);
        process.put("cwd", "/tmp");
        process.set("args", StateJson.mapper().valueToTree(args));
        ((com.fasterxml.jackson.databind.node.ArrayNode) process.get("env")).add("FOO=from-config");
        Files.write(bundle.resolve("config.json"), StateJson.mapper().writeValueAsBytes(config));
        return bundle;
    }

    @Test
    void execPsPauseAndResumeAsConmonAndContainerdUseThem() throws Exception {
        // The init on a terminal, as conmon asks for one with -t: the master comes over the console socket
        // before create returns, the size set on it reaches the init's terminal, and what is typed its input.
        Path bundle = bundle(
                "bundle2",
                true,
                List.of("sh", "-c", "stty size; read x; echo init-got:$x; while :; do sleep 100000 & wait; done"));
        Path socket = home.resolve("init-console.sock");
        int listener = SocketSyscalls.listen(socket);
        int master;
        try {
            ok(
                    "create",
                    "--bundle",
                    bundle.toString(),
                    "--console-socket",
                    socket.toString(),
                    "--pid-file",
                    home.resolve("c2.pid").toString(),
                    "c2");
            assertTrue(Libc.poll(listener, Libc.POLLIN, 0) != 0, "create returned before sending the master");
            int conn = SocketSyscalls.accept(listener);
            master = SocketSyscalls.receiveFd(conn).fd();
            Libc.close(conn);
        } finally {
            Libc.close(listener);
        }
        long initWaiter = Long.parseLong(Files.readString(home.resolve("c2.pid")));
        Pty.setWindowSize(master, new Pty.Size(25, 90));
        Thread.sleep(2000); // looked at every 200 ms, then sent to the guest
        ok("start", "c2");
        assertEquals("25 90\r\n", readUntil(master, "25 90\r\n", Duration.ofSeconds(120)));
        type(master, "typed\r");
        String initShown = readUntil(master, "init-got:typed\r\n", Duration.ofSeconds(120));
        assertEquals("typed\r\ninit-got:typed\r\n", initShown, "the init's terminal echoes what is typed");

        // Foreground: the container's env with -e added, --cwd, --user; output, stderr and status relayed.
        assertEquals(
                7,
                cli.run(runc(
                        "exec",
                        "-e",
                        "BAR=b",
                        "--cwd",
                        "/etc",
                        "-u",
                        "1000:1001",
                        "c2",
                        "sh",
                        "-c",
                        "echo out; echo err >&2; echo $FOO $BAR; pwd; id -u; id -g; exit 7")),
                cli::err);
        assertEquals("out\nfrom-config b\n/etc\n1000\n1001\n", cli.out());
        assertEquals("err\n", cli.err());
        assertEquals(0, cli.withInput("piped\n", runc("exec", "c2", "cat")), cli::err);
        assertEquals("piped\n", cli.out());
        assertEquals(255, cli.run(runc("exec", "c2", "nope")));
        assertEquals(
                "exec failed: unable to start container process: exec: \"nope\": executable file not found in $PATH\n",
                cli.err());
        // update, as podman update runs it: linux.resources on stdin, over the container's limits, in its
        // cgroup at once; then a flag lifts the limit again.
        assertEquals(0, cli.withInput("{\"pids\":{\"limit\":4}}", runc("update", "--resources", "-", "c2")), cli::err);
        assertEquals(2, cli.run(runc("exec", "c2", "sh", "-c", "for i in 1 2 3 4 5 6; do sleep 20 & done")));
        assertTrue(cli.err().contains("can't fork"), cli.out() + cli.err());
        assertEquals(0, cli.run(runc("update", "--pids-limit", "-1", "c2")), cli::err);
        assertEquals(1, cli.run(runc("update", "--cpu-quota", "5", "c2")));
        assertTrue(cli.err().contains("resources.cpu.quota must be 1000..4294967295 (us), got 5"), cli.err());
        terminalThroughAConsoleSocket();

        // Detached, as conmon runs it (out of this JVM, whose stdin is surefire's): the pid file names a
        // process that relays the exec's stdin and output and lives as long as it.
        Path spec = home.resolve("exec.json");
        Files.writeString(spec, """
                {"args": ["sh", "-c", "read line; echo got $line $X; while [ ! -e /dev/shm/go ]; do sleep 0.2; done; exit 4"], "env": ["X=from-file", "PATH=/bin"],
                 "cwd": "/", "user": {"uid": 0, "gid": 0}}""");
        Path runc = TestLauncher.write(home.resolve("jvmm-runc"), "runc");
        Path input = Files.writeString(home.resolve("input"), "hello\n");
        Path output = home.resolve("exec.out");
        Path execPid = home.resolve("exec.pid");
        Process p = new ProcessBuilder(
                        runc.toString(),
                        "--root",
                        home.resolve("root").toString(),
                        "exec",
                        "-d",
                        "--pid-file",
                        execPid.toString(),
                        "--process",
                        spec.toString(),
                        "c2")
                .redirectInput(input.toFile())
                .redirectOutput(output.toFile())
                .redirectError(home.resolve("exec.err").toFile())
                .start();
        assertEquals(0, p.waitFor(), () -> readQuietly(home.resolve("exec.err")));
        long waiter = Long.parseLong(Files.readString(execPid));
        assertTrue(ProcessHandle.of(waiter).isPresent(), "the exec's waiter runs");
        JsonNode pids = StateJson.mapper().readTree(ok("ps", "--format", "json", "c2"));
        assertEquals(
                List.of(initWaiter, waiter),
                StreamSupport.stream(pids.spliterator(), false)
                        .map(JsonNode::asLong)
                        .toList());
        // runc's table: ps(1)'s header and the lines of those pids.
        List<String> table = ok("ps", "c2", "-e", "-o", "pid,args").lines().toList();
        assertTrue(table.getFirst().trim().startsWith("PID"), cli.out());
        assertEquals(
                List.of(initWaiter, waiter),
                table.stream()
                        .skip(1)
                        .map(l -> Long.parseLong(l.trim().split(" +")[0]))
                        .toList(),
                cli.out());
        ok("exec", "c2", "touch", "/dev/shm/go");
        ProcessHandle.of(waiter)
                .ifPresent(h -> h.onExit().orTimeout(60, TimeUnit.SECONDS).join());
        assertEquals("got hello from-file\n", Files.readString(output));
        assertEquals(
                List.of(initWaiter),
                StreamSupport.stream(
                                StateJson.mapper()
                                        .readTree(ok("ps", "-f", "json", "c2"))
                                        .spliterator(),
                                false)
                        .map(JsonNode::asLong)
                        .toList());

        // Pause and resume: the VM's vCPUs; state says paused, exec refuses as runc does.
        ok("pause", "c2");
        assertEquals("paused", state("c2").get("status").asText());
        assertEquals(1, cli.run(runc("exec", "c2", "true")));
        assertEquals("cannot exec in a paused container (use --ignore-paused to override)\n", cli.err());
        assertEquals(1, cli.run(runc("pause", "c2")));
        assertEquals("container not running\n", cli.err());
        ok("resume", "c2");
        assertEquals("running", state("c2").get("status").asText());
        assertEquals(1, cli.run(runc("resume", "c2")));
        assertEquals("container not paused\n", cli.err());

        ok("kill", "c2", "KILL");
        // The init's waiter closes its end of the terminal once the init has gone: the master hangs up.
        readUntilHangUp(master, Duration.ofSeconds(120));
        Libc.close(master);
        for (int i = 0; i < 100 && !state("c2").get("status").asText().equals("stopped"); i++)
            TimeUnit.MILLISECONDS.sleep(200);
        assertEquals(1, cli.run(runc("exec", "c2", "true")));
        assertEquals("cannot exec in a stopped container\n", cli.err());
        assertEquals("[]\n", ok("ps", "--format", "json", "c2"));
        ok("delete", "c2");
    }

    private static String readQuietly(Path f) {
        try {
            return Files.readString(f);
        } catch (java.io.IOException e) {
            return e.getMessage();
        }
    }

    /**
     * {@code exec -t --console-socket}, as conmon runs it: the master arrives over the socket (SCM_RIGHTS);
     * what is typed there reaches the process through its pty in the guest (which echoes it and turns the
     * CR into a newline), the size set on the master reaches the guest's pty, and the master reads the
     * hang-up once the process has exited.
     */
    private void terminalThroughAConsoleSocket() throws Exception {
        Path socket = home.resolve("console.sock");
        int listener = SocketSyscalls.listen(socket);
        int[] status = {-1};
        Thread exec = Thread.ofPlatform()
                .start(() -> status[0] = cli.run(runc(
                        "exec",
                        "-t",
                        "--console-socket",
                        socket.toString(),
                        "c2",
                        "sh",
                        "-c",
                        "read x; stty size; echo got:$x; exit 3")));
        int master = -1;
        try {
            assertTrue(Libc.poll(listener, Libc.POLLIN, 120_000) != 0, "no console socket connection: " + cli.err());
            int conn = SocketSyscalls.accept(listener);
            master = SocketSyscalls.receiveFd(conn).fd();
            Libc.close(conn);
            Pty.setWindowSize(master, new Pty.Size(30, 100));
            Thread.sleep(2000); // the size is looked at every 200 ms, then sent to the guest
            type(master, "hi\r");
            String shown = readUntilHangUp(master, Duration.ofSeconds(120));
            exec.join(60_000);
            assertEquals(3, status[0], () -> shown + cli.err());
            assertTrue(shown.contains("hi\r\n"), "the guest's pty echoes: " + shown);
            assertTrue(shown.contains("30 100\r\n"), "stty size: " + shown);
            assertTrue(shown.contains("got:hi\r\n"), shown);
        } finally {
            if (master >= 0) Libc.close(master);
            Libc.close(listener);
        }
    }

    private static void type(int master, String keys) {
        try (Arena arena = Arena.ofConfined()) {
            Libc.write(master, arena.allocateFrom(ValueLayout.JAVA_BYTE, keys.getBytes(StandardCharsets.US_ASCII)));
        }
    }

    /** What {@code master} shows until the slave's last holder closes it (EIO). */
    private static String readUntilHangUp(int master, Duration limit) {
        return readUntil(master, null, limit);
    }

    /** What {@code master} shows until it shows {@code text}, or (null) until it hangs up (EIO). */
    private static String readUntil(int master, String text, Duration limit) {
        StringBuilder b = new StringBuilder();
        long deadline = System.nanoTime() + limit.toNanos();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            while (System.nanoTime() < deadline) {
                if (text != null && b.indexOf(text) >= 0) return b.toString();
                if (Libc.poll(master, Libc.POLLIN, 500) == 0) continue;
                long n;
                try {
                    n = Libc.read(master, buf);
                } catch (NativeException e) {
                    if (e.errno() == 5 && text == null) return b.toString(); // EIO: hung up
                    throw new AssertionError("the terminal hung up; it showed: " + b, e);
                }
                b.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            }
        }
        throw new AssertionError((text == null ? "the terminal did not hang up" : "the terminal never showed " + text)
                + "; it showed: " + b);
    }
}
