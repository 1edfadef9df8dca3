package io.jvmm.agent;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Containers in a pod: the real agent as PID 1 of a namespace on this host (see {@link
 * NamespaceAgent}), with two container roots, /ctr/a and /ctr/b, each a busybox tree with its own
 * /marker. Test mode has no cgroup v2 of its own, so limits are covered by the VM test only.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContainerAgentTest {
    private static NamespaceAgent agent;
    private static AgentClient client;

    @BeforeAll
    static void startAgent() throws Exception {
        var reason = NamespaceAgent.unavailableReason();
        reason.ifPresent(r -> System.out.println("ContainerAgentTest skipped: " + r));
        Assumptions.assumeTrue(reason.isEmpty(), () -> reason.orElse(""));
        agent = NamespaceAgent.start("pod", root -> {
            for (String name : List.of("a", "b")) {
                Path r = TestRootfs.create(
                        root.resolve("ctr").resolve(name),
                        TestRootfs.staticBusybox().orElseThrow());
                Files.writeString(r.resolve("marker"), name + "\n");
            }
            makeImage(root.resolve("ctr/b"), root.resolve("ctr/b.ext4"));
        });
        client = agent.client;
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent != null) agent.close();
    }

    @AfterEach
    void deleteAll() throws Exception {
        for (String id : client.listContainers()) client.deleteContainer(id, true);
    }

    private static ContainerSpec.Builder spec(String id, String rootName, String... argv) {
        return ContainerSpec.builder(id, ContainerRoot.directory("/ctr/" + rootName))
                .command(argv)
                .env(List.of("CTR_VAR=value-" + id));
    }

    private static ContainerSpec.Builder running(String id, String rootName) {
        // A PID 1 ignores the signals it has no handler for: this one handles TERM.
        return spec(id, rootName, "sh", "-c", "trap 'exit 0' TERM; echo up-" + id + "; sleep 100000 & wait");
    }

    private static String execIn(String id, String script) throws Exception {
        ExecResult r = client.run(ExecRequest.of("sh", "-c", script).inContainer(id), null);
        assertEquals(0, r.exitCode(), () -> id + ": sh -c " + script + ": " + r + " stderr=" + r.stderrText());
        return r.stdoutText();
    }

    private static String logs(String id) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        client.containerLogs(id, false, out, err);
        return out.toString(StandardCharsets.UTF_8) + "|" + err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void createdIsNotStarted() throws Exception {
        client.createContainer(spec("c1", "a", "sh", "-c", "echo ran").build());
        ContainerStatus s = client.containerStatus("c1");
        assertEquals(ContainerStatus.State.CREATED, s.state());
        assertNotNull(s.created());
        assertNull(s.started());
        assertEquals(List.of("c1"), client.listContainers());
        assertEquals("|", logs("c1"));
        client.startContainer("c1");
        ContainerStatus done = client.awaitContainer("c1");
        assertEquals(ContainerStatus.State.EXITED, done.state());
        assertEquals(0, done.exitCode());
        assertEquals("ran\n|", logs("c1"));
    }

    @Test
    void twoContainersSeeOnlyTheirOwnFilesAndProcesses() throws Exception {
        client.createContainer(running("a", "a").build());
        client.createContainer(running("b", "b").hostname("bee").build());
        long pidA = client.startContainer("a"), pidB = client.startContainer("b");
        assertNotEquals(pidA, pidB);
        assertEquals("a\n", execIn("a", "cat /marker"));
        assertEquals("b\n", execIn("b", "cat /marker"));
        assertEquals("a\nbee\n", execIn("a", "hostname") + execIn("b", "hostname"));
        // The pod's root (with /ctr) is not reachable from a container.
        assertEquals("no\n", execIn("a", "[ -e /ctr ] && echo yes || echo no"));
        // Its own PID namespace: its program is PID 1, and the other container's is not there.
        assertEquals("1\n", execIn("a", "ps -o pid,args | grep 'up-a' | grep -v grep | awk '{print $1}'"));
        assertEquals("", execIn("a", "ps -o args | grep 'up-b' | grep -v grep || true"));
        assertEquals("value-a\n", execIn("a", "echo $CTR_VAR"));
        // Writes land in the container's overlay: the other container and the root directory keep theirs.
        execIn("a", "echo changed > /marker");
        assertEquals("changed\n", execIn("a", "cat /marker"));
        assertEquals("b\n", execIn("b", "cat /marker"));
        assertEquals("a\n", Files.readString(agent.root.resolve("ctr/a/marker")));
    }

    @Test
    void copiesReachTheContainersOwnRoot() throws Exception {
        client.createContainer(running("a", "a").build());
        client.startContainer("a");
        byte[] data = "into a\n".getBytes(StandardCharsets.UTF_8);
        assertEquals(data.length, client.copyIn(new ByteArrayInputStream(data), "/copied.txt", 0640, "a"));
        assertEquals("into a\n640\n", execIn("a", "cat /copied.txt; stat -c %a /copied.txt"));
        assertFalse(Files.exists(agent.root.resolve("copied.txt")), "the pod's root is not written");
        assertFalse(Files.exists(agent.root.resolve("ctr/a/copied.txt")), "the container's overlay takes it");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.copyOut("/marker", out, "a");
        assertEquals("a\n", out.toString(StandardCharsets.UTF_8));
        // The pod's /ctr is not the container's: a path there is missing from inside.
        AgentException missing = assertThrows(
                AgentException.class, () -> client.copyOut("/ctr/b/marker", new ByteArrayOutputStream(), "a"));
        assertTrue(missing.getMessage().contains("No such file"), missing.getMessage());
        AgentException unknown = assertThrows(
                AgentException.class, () -> client.copyIn(new ByteArrayInputStream(data), "/x", 0644, "nosuch"));
        assertTrue(unknown.getMessage().startsWith("copy in: "), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("nosuch"), unknown.getMessage());
        AgentException unknownOut = assertThrows(
                AgentException.class, () -> client.copyOut("/marker", new ByteArrayOutputStream(), "nosuch"));
        assertTrue(unknownOut.getMessage().startsWith("copy out: "), unknownOut.getMessage());
    }

    @Test
    void aChattyContainersOutputIsCappedKeepingTheNewest() throws Exception {
        // 200 chunks of 64 KiB (12.5 MiB) in one line, then a last line: more than the two 4 MiB files kept.
        client.createContainer(spec(
                        "chatty",
                        "a",
                        "sh",
                        "-c",
                        "dd if=/dev/zero bs=65536 count=200 2>/dev/null | tr '\\0' x; echo; echo last-line")
                .build());
        ByteArrayOutputStream followed = new ByteArrayOutputStream();
        Thread follower = Thread.ofPlatform().start(() -> {
            try {
                client.containerLogs("chatty", true, followed, OutputStream.nullOutputStream());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        client.startContainer("chatty");
        assertEquals(0, client.awaitContainer("chatty").exitCode());
        follower.join(30_000);
        assertFalse(follower.isAlive(), "the follower ends with the container");
        assertTrue(followed.toString(StandardCharsets.UTF_8).endsWith("x\nlast-line\n"), "followed across rotations");

        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        client.containerLogs("chatty", false, kept, OutputStream.nullOutputStream());
        String text = kept.toString(StandardCharsets.UTF_8);
        assertTrue(text.endsWith("x\nlast-line\n"), "the newest output is kept");
        assertTrue(text.length() >= 4 << 20, "at least one whole file: " + text.length());
        assertTrue(text.length() <= (8 << 20) + (128 << 10), "at most two files: " + text.length());
        assertTrue(text.chars().limit(text.length() - "\nlast-line\n".length()).allMatch(ch -> ch == 'x'));
    }

    /** jvmm top of a container: its init and its execs, none of another container's or the pod's. */
    @Test
    void psOfAContainerListsItsPidNamespaceOnly() throws Exception {
        client.createContainer(spec("psa", "a", "sh", "-c", "exec sleep 4001").build());
        client.createContainer(spec("psb", "b", "sh", "-c", "exec sleep 4002").build());
        client.startContainer("psa");
        client.startContainer("psb");
        try (ExecSession inA = client.start(ExecRequest.of("sleep", "4003").inContainer("psa"), null, null);
                ExecSession inPod = client.start(ExecRequest.of("sleep", "4004"), null, null)) {
            List<String> a = client.ps("psa").stream()
                    .map(GuestProcess::command)
                    .sorted()
                    .toList();
            assertEquals(List.of("sleep 4001", "sleep 4003"), a);
            List<String> all = client.ps().stream().map(GuestProcess::command).toList();
            assertTrue(
                    all.containsAll(List.of("sleep 4001", "sleep 4002", "sleep 4003", "sleep 4004")), all.toString());
        } finally {
            client.signalContainer("psa", 9);
            client.signalContainer("psb", 9);
            client.awaitContainer("psa");
            client.awaitContainer("psb");
        }
        AgentException exited = assertThrows(AgentException.class, () -> client.ps("psa"));
        assertEquals("container psa is not running", exited.getMessage());
        AgentException none = assertThrows(AgentException.class, () -> client.ps("nope"));
        assertEquals("no such container: nope", none.getMessage());
    }

    /** As an OCI startContainer hook does: a program in the created container's namespaces, before its own. */
    @Test
    void aCreatedContainerCanBeEnteredBeforeItsProgramRuns() throws Exception {
        client.createContainer(
                spec("pre", "a", "sh", "-c", "cat /dev/shm/before").build());
        ExecResult r = client.run(
                ExecRequest.of("sh", "-c", "cat > /dev/shm/before")
                        .inContainer("pre")
                        .withStdin(true),
                "entered before start\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(0, r.exitCode(), () -> r + " stderr=" + r.stderrText());
        assertEquals(
                ContainerStatus.State.CREATED, client.containerStatus("pre").state());
        client.startContainer("pre");
        assertEquals(0, client.awaitContainer("pre").exitCode());
        assertEquals("entered before start\n|", logs("pre"), "its /dev/shm: the same mount namespace");
    }

    @Test
    void stoppingOneLeavesTheOtherRunning() throws Exception {
        client.createContainer(running("a", "a").build());
        client.createContainer(running("b", "b").build());
        client.startContainer("a");
        client.startContainer("b");
        try (ExecSession inA = client.start(ExecRequest.of("sleep", "100").inContainer("a"), null, null)) {
            client.signalContainer("a", 15);
            ContainerStatus a = client.awaitContainer("a");
            assertEquals(0, a.exitCode());
            assertFalse(a.oomKilled());
            assertNotNull(a.exited());
            // The end of a container's PID 1 ends everything in it, execs included.
            ExecResult r = inA.waitFor(Duration.ofSeconds(10)).orElseThrow();
            assertEquals(137, r.exitCode());
        }
        assertEquals(ContainerStatus.State.RUNNING, client.containerStatus("b").state());
        assertEquals("b\n", execIn("b", "cat /marker"));
        assertTrue(logs("a").startsWith("up-a\n"), logs("a"));
        ExecResult late = client.run(ExecRequest.of("true").inContainer("a"), null);
        assertEquals(126, late.exitCode());
        assertEquals("container a is not running", late.error());
        client.signalContainer("b", 9);
        ContainerStatus b = client.awaitContainer("b");
        assertEquals(137, b.exitCode());
        assertEquals(9, b.signal());
    }

    @Test
    void containersShareThePodsLocalhost() throws Exception {
        client.createContainer(spec("srv", "b", "nc", "-l", "-p", "7000", "-e", "echo", "served-by-srv")
                .build());
        client.createContainer(running("cli", "a").build());
        client.startContainer("srv");
        client.startContainer("cli");
        assertEquals(
                "served-by-srv\n",
                execIn(
                        "cli",
                        "for i in $(seq 50); do nc 127.0.0.1 7000 </dev/null && exit 0; sleep 0.1; done; exit 1"));
        assertEquals(0, client.awaitContainer("srv").exitCode());
    }

    @Test
    void exitCodesAndOutput() throws Exception {
        client.createContainer(
                spec("x", "a", "sh", "-c", "echo out; echo err >&2; exit 3").build());
        client.startContainer("x");
        assertEquals(3, client.awaitContainer("x").exitCode());
        assertEquals("out\n|err\n", logs("x"));

        client.createContainer(spec("nf", "b", "nosuch").build());
        AgentException e = assertThrows(AgentException.class, () -> client.startContainer("nf"));
        assertEquals(127, e.code());
        assertEquals("exec: \"nosuch\": executable file not found in $PATH", e.getMessage());
        ContainerStatus s = client.containerStatus("nf");
        assertEquals(ContainerStatus.State.EXITED, s.state());
        assertEquals(127, s.exitCode());
    }

    @Test
    void theProgramGetsItsCapabilitiesLimitsUmaskAndGroups() throws Exception {
        long netBind = 1L << 10, bounding = 1L << 0 | 1L << 5 | netBind; // CHOWN, KILL, NET_BIND_SERVICE
        ProcessSecurity sec = new ProcessSecurity(
                new ProcessSecurity.Capabilities(bounding, netBind, netBind, netBind, netBind),
                true,
                List.of(new ProcessSecurity.Rlimit(7, 100, 200)), // RLIMIT_NOFILE
                027,
                List.of(4242L));
        String script = "grep -E '^(Cap|NoNewPrivs)' /proc/self/status | tr -s '\\t' ' ';"
                + " ulimit -n; ulimit -Hn; umask; id -u; id -G";
        client.createContainer(spec("sec", "a", "sh", "-c", script)
                .user("1000:1000")
                .security(sec)
                .build());
        client.startContainer("sec");
        int code = client.awaitContainer("sec").exitCode();
        String out = logs("sec");
        assertEquals(0, code, () -> "logs: " + out);
        // a non-root program keeps only its ambient capabilities through execve
        assertEquals(
                "CapInh: 0000000000000400\nCapPrm: 0000000000000400\nCapEff: 0000000000000400\n"
                        + "CapBnd: 0000000000000421\nCapAmb: 0000000000000400\nNoNewPrivs: 1\n"
                        + "100\n200\n0027\n1000\n1000 4242\n|",
                out);

        // an exec brings its own: root's programs are bounded by the bounding set
        client.createContainer(running("ex", "b").build());
        client.startContainer("ex");
        ExecResult r = client.run(
                ExecRequest.of("sh", "-c", "grep -E '^(CapEff|CapBnd)' /proc/self/status | tr -s '\\t' ' '; ulimit -n")
                        .inContainer("ex")
                        .withSecurity(new ProcessSecurity(
                                new ProcessSecurity.Capabilities(1L << 5, 1L << 5, 1L << 5, 0, 0),
                                false,
                                List.of(new ProcessSecurity.Rlimit(7, 64, 64)),
                                -1,
                                List.of())),
                null);
        assertEquals("CapEff: 0000000000000020\nCapBnd: 0000000000000020\n64\n", r.stdoutText(), r::stderrText);

        // a limit the guest refuses fails the start, naming it
        client.createContainer(spec("big", "a", "true")
                .security(new ProcessSecurity(
                        null, false, List.of(new ProcessSecurity.Rlimit(7, 1, 1L << 40)), -1, List.of()))
                .build());
        AgentException e = assertThrows(AgentException.class, () -> client.startContainer("big"));
        assertEquals(126, e.code());
        assertTrue(
                e.getMessage().startsWith("container big: setrlimit 7 (soft 1, hard 1099511627776): "), e.getMessage());
    }

    @Test
    void followedLogsEndWithTheContainer() throws Exception {
        client.createContainer(spec("f", "a", "sh", "-c", "for i in 1 2 3; do echo $i; sleep 0.1; done")
                .build());
        client.startContainer("f");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.containerLogs("f", true, out, OutputStream.nullOutputStream());
        assertEquals("1\n2\n3\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(ContainerStatus.State.EXITED, client.containerStatus("f").state());
    }

    @Test
    void terminal() throws Exception {
        client.createContainer(
                spec("t", "a", "sh", "-c", "tty; stty size").tty(true, 30, 100).build());
        client.startContainer("t");
        assertEquals(0, client.awaitContainer("t").exitCode());
        assertEquals("/dev/pts/0\r\n30 100\r\n|", logs("t"));
    }

    @Test
    void anAttachTypesAtTheInitsTerminalAndSizesIt() throws Exception {
        client.createContainer(spec("ta", "a", "sh", "-c", "stty size; read x; echo got=$x; stty size; exit 4")
                .tty(true, 30, 100)
                .build());
        // Attached before the start, as conmon and containerd attach: nothing typed is lost.
        try (ContainerAttach a = client.attachContainer("ta")) {
            AgentException busy = assertThrows(AgentException.class, () -> client.attachContainer("ta"));
            assertEquals("container ta is already attached", busy.getMessage());
            client.startContainer("ta");
            waitForLog("ta", "30 100\r\n");
            a.resize(40, 120);
            a.input().write("hello\r".getBytes(StandardCharsets.UTF_8));
            assertEquals(4, client.awaitContainer("ta").exitCode());
            a.awaitEnd(); // the agent ends the attach with the container
        }
        // The terminal echoes what is typed (the pty's own line discipline) and turns the CR into a newline.
        assertEquals("30 100\r\nhello\r\ngot=hello\r\n40 120\r\n|", logs("ta"));
        AgentException exited = assertThrows(AgentException.class, () -> client.attachContainer("ta"));
        assertEquals("container ta is not running", exited.getMessage());
    }

    @Test
    void anAttachFeedsAStdinPipeAndItsCloseIsEndOfInput() throws Exception {
        client.createContainer(spec("si", "a", "sh", "-c", "[ -t 0 ] || echo pipe; wc -c; cat")
                .stdin(true)
                .build());
        client.startContainer("si");
        byte[] big = new byte[300_000]; // more than a pipe holds: the monitor holds the rest back, losing none
        Arrays.fill(big, (byte) 'x');
        try (ContainerAttach a = client.attachContainer("si")) {
            a.input().write(big);
            a.input().close();
            assertEquals(0, client.awaitContainer("si").exitCode());
        }
        assertEquals("pipe\n300000\n|", logs("si"));
    }

    @Test
    void aDetachLeavesTheInputOpenForTheNextAttach() throws Exception {
        client.createContainer(spec("re", "a", "sh", "-c", "read a; read b; echo $a-$b")
                .stdin(true)
                .build());
        client.startContainer("re");
        try (ContainerAttach a = client.attachContainer("re")) {
            a.input().write("one\n".getBytes(StandardCharsets.UTF_8));
        }
        ContainerAttach second = null;
        for (int i = 0; i < 100 && second == null; i++) {
            try {
                second = client.attachContainer("re");
            } catch (AgentException e) {
                // the monitor has not seen the first one go yet
                assertEquals("container re is already attached", e.getMessage());
                Thread.sleep(50);
            }
        }
        try (ContainerAttach b = second) {
            assertNotNull(b, "the first attach never ended");
            b.input().write("two\n".getBytes(StandardCharsets.UTF_8));
            assertEquals(0, client.awaitContainer("re").exitCode());
        }
        assertEquals("one-two\n|", logs("re"));
    }

    @Test
    void newOutputStartsWhereTheLogEnds() throws Exception {
        client.createContainer(spec("nw", "a", "sh", "-c", "echo before; while read x; do echo got-$x; done")
                .stdin(true)
                .build());
        client.startContainer("nw");
        waitForLog("nw", "before\n");
        ByteArrayOutputStream followed = new ByteArrayOutputStream();
        CountDownLatch following = new CountDownLatch(1);
        Thread follower = Thread.ofPlatform().start(() -> {
            try {
                client.followNewOutput("nw", following::countDown, followed, OutputStream.nullOutputStream());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(following.await(10, TimeUnit.SECONDS), "the agent never said where it follows from");
        try (ContainerAttach a = client.attachContainer("nw")) {
            a.input().write("x\ny\n".getBytes(StandardCharsets.UTF_8));
            a.input().close();
            assertEquals(0, client.awaitContainer("nw").exitCode());
        }
        follower.join(10_000);
        assertFalse(follower.isAlive(), "the follower ends with the container");
        assertEquals("got-x\ngot-y\n", followed.toString(StandardCharsets.UTF_8));
        assertEquals("before\ngot-x\ngot-y\n|", logs("nw"));
    }

    @Test
    void aContainerWithoutTerminalOrStdinCannotBeAttached() throws Exception {
        client.createContainer(running("na", "a").build());
        AgentException e = assertThrows(AgentException.class, () -> client.attachContainer("na"));
        assertEquals("container na has neither a terminal nor stdin to attach to", e.getMessage());
        AgentException none = assertThrows(AgentException.class, () -> client.attachContainer("nope"));
        assertTrue(none.getMessage().startsWith("no such container"), none.getMessage());
    }

    private static void waitForLog(String id, String text) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (logs(id).contains(text)) return;
            Thread.sleep(25);
        }
        throw new AssertionError(id + "'s log never showed " + text + ": " + logs(id));
    }

    @Test
    void deleteRefusesARunningContainerUnlessForcedAndLeavesNothing() throws Exception {
        client.createContainer(running("d", "a").build());
        client.startContainer("d");
        AgentException busy = assertThrows(AgentException.class, () -> client.deleteContainer("d", false));
        assertEquals(16, busy.code());
        client.deleteContainer("d", true);
        assertEquals(List.of(), client.listContainers());
        AgentException gone = assertThrows(AgentException.class, () -> client.containerStatus("d"));
        assertEquals("no such container: d", gone.getMessage());
        ExecResult pod = client.run("sh", "-c", "ls /run/jvmm/containers; grep -c /run/jvmm/containers /proc/mounts");
        assertEquals("0\n", pod.stdoutText(), pod.stderrText());
        // The id is free again.
        client.createContainer(running("d", "b").build());
        client.deleteContainer("d", false);
    }

    @Test
    void aReadOnlyRootWithoutMountPointsStillGetsProcDevAndItsMounts() throws Exception {
        // shaped like Kubernetes' pause image: no /proc, /sys, /dev or /tmp of its own
        Path pause = agent.root.resolve("ctr/pause");
        TestRootfs.create(pause, TestRootfs.staticBusybox().orElseThrow());
        for (String d : List.of("proc", "sys", "dev", "tmp")) Files.delete(pause.resolve(d));
        client.createContainer(spec("ro", "pause", "sh", "-c", "trap 'exit 0' TERM; sleep 100000 & wait")
                .readOnlyRoot(true)
                .mounts(List.of(ContainerMount.tmpfs("/tmp", 0, "")))
                .build());
        client.startContainer("ro");
        assertEquals("ro\n", execIn("ro", "touch /x 2>/dev/null && echo rw || echo ro"));
        assertEquals("rw\n", execIn("ro", "touch /tmp/x && echo rw"), "a mount in it keeps its own flags");
        assertTrue(execIn("ro", "ls /proc/self/").contains("status"));
        assertTrue(execIn("ro", "ls /dev").contains("null"));
        assertFalse(Files.exists(pause.resolve("proc")), "the mount points were made in the overlay, not the image");
    }

    @Test
    void mountsAreMadeInTheContainersOwnRoot() throws Exception {
        // a symlink in the image that points outside: the mount must land inside the root all the same
        Files.createSymbolicLink(agent.root.resolve("ctr/a/escape"), Path.of("../../../.."));
        client.createContainer(running("mnt", "a")
                .mounts(List.of(
                        ContainerMount.bind("/ctr/b", "/data/b", true),
                        ContainerMount.bind("/ctr/b/marker", "/etc/from-b", false),
                        ContainerMount.tmpfs("/scratch", ContainerMount.NO_EXEC, "size=1m,mode=0700"),
                        ContainerMount.tmpfs("/escape/inside", 0, "")))
                .build());
        try {
            client.startContainer("mnt");
            assertEquals("b\n", execIn("mnt", "cat /data/b/marker"));
            assertEquals("b\n", execIn("mnt", "cat /etc/from-b"));
            assertEquals("ro\n", execIn("mnt", "touch /data/b/x 2>/dev/null && echo rw || echo ro"));
            assertEquals("tmpfs /scratch\n", execIn("mnt", "awk '$2 == \"/scratch\" {print $3, $2}' /proc/mounts"));
            assertTrue(execIn("mnt", "grep ' /scratch ' /proc/mounts").contains("noexec"));
            assertEquals("700\n", execIn("mnt", "stat -c %a /scratch"));
            assertEquals("tmpfs /inside\n", execIn("mnt", "awk '$2 == \"/inside\" {print $3, $2}' /proc/mounts"));
        } finally {
            Files.delete(agent.root.resolve("ctr/a/escape"));
        }
        AgentException missing = assertThrows(
                AgentException.class,
                () -> client.createContainer(running("nomnt", "a")
                        .mounts(List.of(ContainerMount.bind("/nowhere", "/x", false)))
                        .build()));
        assertEquals("container root: bind /nowhere: No such file or directory", missing.getMessage());
        assertFalse(client.listContainers().contains("nomnt"));
    }

    @Test
    void badRequestsGetOneLineErrors() throws Exception {
        client.createContainer(running("dup", "a").build());
        AgentException dup = assertThrows(
                AgentException.class,
                () -> client.createContainer(running("dup", "b").build()));
        assertEquals("container dup already exists", dup.getMessage());
        AgentException root = assertThrows(
                AgentException.class,
                () -> client.createContainer(ContainerSpec.builder("r", ContainerRoot.directory("/nowhere"))
                        .command("true")
                        .build()));
        assertEquals("container root: bind /nowhere: No such file or directory", root.getMessage());
        AgentException limits = assertThrows(
                AgentException.class,
                () -> client.createContainer(running("l", "a")
                        .limits(ContainerLimits.NONE.withMemory(64 << 20))
                        .build()));
        assertTrue(limits.getMessage().contains("need cgroup v2"), limits.getMessage());
        assertEquals(List.of("dup"), client.listContainers());
        AgentException start = assertThrows(AgentException.class, () -> client.startContainer("nosuch"));
        assertEquals("no such container: nosuch", start.getMessage());
        AgentException stats = assertThrows(AgentException.class, () -> client.containerStats("nosuch"));
        assertEquals("no such container: nosuch", stats.getMessage());
        // In test mode containers run without a cgroup (it would be the host's hierarchy): no figures.
        assertEquals(Map.of(), client.containerStats("dup"));
        AgentException update = assertThrows(
                AgentException.class, () -> client.updateContainer("nosuch", ContainerLimits.NONE.withPids(10)));
        assertEquals("no such container: nosuch", update.getMessage());
        AgentException noGroup = assertThrows(
                AgentException.class, () -> client.updateContainer("dup", ContainerLimits.NONE.withPids(10)));
        assertTrue(noGroup.getMessage().contains("need cgroup v2"), noGroup.getMessage());
    }

    private static Frame rawRequest(Frame request) throws Exception {
        try (AgentChannel ch = UnixAgentChannel.connect(agent.socket)) {
            FrameCodec.write(ch.output(), request);
            return FrameCodec.read(ch.input());
        }
    }

    @Test
    void malformedRequestsAreProtocolErrors() throws Exception {
        client.createContainer(running("m", "a").build());
        Frame good = running("x", "a").build().toFrame();
        byte[] longer = Arrays.copyOf(good.payload(), good.payload().length + 1);
        List<Frame> bad = List.of(
                new Frame(AgentProtocol.CONTAINER_CREATE, longer),
                new Frame(AgentProtocol.CONTAINER_CREATE, Arrays.copyOf(good.payload(), 10)),
                new Frame(AgentProtocol.CONTAINER_START, new byte[0]),
                new Payload.Writer().str("m").frame(AgentProtocol.CONTAINER_WAIT),
                new Payload.Writer().str("m").u32(0).u32(0).frame(AgentProtocol.CONTAINER_DELETE),
                new Payload.Writer().str("m").u32(4).frame(AgentProtocol.CONTAINER_LOGS),
                new Payload.Writer().u32(0).frame(AgentProtocol.CONTAINER_LIST),
                new Payload.Writer().str("m").u32(0).frame(AgentProtocol.CONTAINER_STATS),
                new Payload.Writer().str("m").u64(0).u32(0).u32(0).frame(AgentProtocol.CONTAINER_UPDATE),
                new Payload.Writer().str("m").u64(0).u32(0).u32(0).u32(0).u32(0).frame(AgentProtocol.CONTAINER_UPDATE));
        for (Frame f : bad) {
            Frame answer = rawRequest(f);
            assertEquals(AgentProtocol.ERROR, answer.type(), () -> AgentProtocol.typeName(f.type()));
            AgentException e = FrameCodec.error(answer);
            assertEquals(AgentProtocol.EPROTO, e.code(), e::getMessage);
        }
        // A status is only ever an answer.
        Frame status = rawRequest(new Payload.Writer().str("m").frame(AgentProtocol.CONTAINER_STATUS));
        assertEquals(AgentProtocol.EPROTO, FrameCodec.error(status).code());
        AgentException signal = assertThrows(AgentException.class, () -> client.signalContainer("m", 15));
        assertEquals("container m is not running", signal.getMessage());
        ExecResult exec = client.run(ExecRequest.of("true").inContainer("nosuch"), null);
        assertEquals(126, exec.exitCode());
        assertEquals("no such container: nosuch", exec.error());
        assertEquals(List.of("m"), client.listContainers());
    }

    @Test
    void imageRoot() throws Exception {
        Assumptions.assumeTrue(Files.exists(agent.root.resolve("ctr/b.ext4")), "needs mkfs.ext4 and loop devices");
        client.createContainer(ContainerSpec.builder("img", ContainerRoot.image("/ctr/b.ext4"))
                .command("cat", "/marker")
                .build());
        client.startContainer("img");
        assertEquals(0, client.awaitContainer("img").exitCode());
        assertEquals("b\n|", logs("img"));
    }

    /** An ext4 image of {@code tree} at {@code image}, when mkfs.ext4 and loop devices are there. */
    private static void makeImage(Path tree, Path image) throws IOException, InterruptedException {
        Optional<Path> mkfs = Stream.of("/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4")
                .map(Path::of)
                .filter(Files::isExecutable)
                .findFirst();
        if (mkfs.isEmpty() || !Files.exists(Path.of("/dev/loop-control"))) return;
        Process p = new ProcessBuilder(
                        mkfs.get().toString(), "-q", "-F", "-d", tree.toString(), image.toString(), "16M")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException("mkfs.ext4 failed: " + out);
    }
}
