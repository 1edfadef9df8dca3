package io.jvmm.agent;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.files.FileTrees;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real agent as PID 1 of a namespace on this host, exercising every message of the protocol.
 * Needs root and unshare; skipped (with the reason) otherwise.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class NamespaceAgentTest {
    private static NamespaceAgent agent;
    private static AgentClient client;

    @BeforeAll
    static void startAgent() throws Exception {
        var reason = NamespaceAgent.unavailableReason();
        reason.ifPresent(r -> System.out.println("NamespaceAgentTest skipped: " + r));
        Assumptions.assumeTrue(reason.isEmpty(), () -> reason.orElse(""));
        agent = NamespaceAgent.start("jvmm-test");
        client = agent.client;
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent != null) {
            agent.close();
            assertFalse(agent.process.isAlive());
        }
    }

    private static String sh(String script) throws Exception {
        ExecResult r = client.run("sh", "-c", script);
        assertEquals(0, r.exitCode(), () -> "sh -c " + script + ": " + r + " stderr=" + r.stderrText());
        return r.stdoutText();
    }

    @Test
    void hello() {
        assertEquals(AgentProtocol.PROTOCOL, agent.hello.protocol());
        assertTrue(agent.hello.supportsContainers());
        assertFalse(agent.hello.agentVersion().isEmpty());
        assertTrue(agent.hello.uptimeNanos() > 0);
    }

    @Test
    void ping() throws Exception {
        client.ping();
    }

    @Test
    void execWithPipes() throws Exception {
        ExecResult r = client.run("sh", "-c", "echo out; echo err >&2; [ -t 0 ] || echo notty");
        assertEquals(0, r.exitCode());
        assertEquals(0, r.signal());
        assertNull(r.error());
        assertEquals("out\nnotty\n", r.stdoutText());
        assertEquals("err\n", r.stderrText());
    }

    @Test
    void exitCode() throws Exception {
        assertEquals(42, client.run("sh", "-c", "exit 42").exitCode());
        assertEquals(1, client.run("false").exitCode());
    }

    @Test
    void outputIsDrainedBeforeExit() throws Exception {
        ExecResult r = client.run("sh", "-c", "head -c 5000000 /dev/zero; seq 1 50000 >&2");
        assertEquals(5_000_000, r.stdout().length);
        assertTrue(r.stderrText().endsWith("\n50000\n"));
        ExecResult t = client.run(ExecRequest.of("seq", "1", "20000").withTty(true), null);
        assertTrue(
                t.stdoutText().endsWith("19999\r\n20000\r\n"),
                () -> t.stdoutText().substring(t.stdoutText().length() - 40));
    }

    @Test
    void deathBySignal() throws Exception {
        try (ExecSession s = client.start(ExecRequest.of("sleep", "100"), null, null)) {
            assertTrue(s.pid() > 1);
            assertTrue(s.waitFor(Duration.ofMillis(100)).isEmpty());
            s.signal(15);
            ExecResult r = s.waitFor(Duration.ofSeconds(5)).orElseThrow();
            assertEquals(15, r.signal());
            assertEquals(143, r.exitCode());
        }
    }

    @Test
    void psListsWhatRunsButNotTheAgent() throws Exception {
        try (ExecSession s = client.start(ExecRequest.of("sleep", "123").withUser("65534:65534"), null, null)) {
            List<GuestProcess> all = client.ps();
            GuestProcess sleep = all.stream()
                    .filter(p -> p.pid() == s.pid())
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no sleep in " + all));
            assertEquals("sleep 123", sleep.command());
            assertEquals(65534, sleep.uid());
            assertTrue("SR".indexOf(sleep.state()) >= 0, "state " + sleep.state());
            assertTrue(sleep.rss() > 0, "rss " + sleep.rss());
            assertTrue(all.stream().noneMatch(p -> p.pid() == 1), "PID 1 is the agent: " + all);
            s.signal(9);
            s.waitFor(Duration.ofSeconds(5)).orElseThrow();
        }
        assertTrue(client.ps().stream().noneMatch(p -> p.command().equals("sleep 123")), "gone after its exit");
    }

    @Test
    void tty() throws Exception {
        ExecResult r = client.run(
                ExecRequest.of("sh", "-c", "[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo isatty; tty; stty size")
                        .withTty(true)
                        .withSize(24, 80),
                null);
        assertEquals(0, r.exitCode(), r::stdoutText);
        assertEquals(0, r.stderr().length, "a tty has no separate stderr");
        String out = r.stdoutText();
        assertTrue(out.contains("isatty\r\n"), out);
        assertTrue(out.contains("/dev/pts/"), out);
        assertTrue(out.contains("24 80\r\n"), out);
    }

    @Test
    void resizeAndTtyStdin() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CountDownLatch firstSize = new CountDownLatch(1);
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                out.write(b, off, len);
                if (out.toString(StandardCharsets.UTF_8).contains("10 20\r\n")) firstSize.countDown();
            }
        };
        try (ExecSession s = client.start(
                ExecRequest.of("sh", "-c", "stty size; read x; echo got=$x; stty size")
                        .withTty(true)
                        .withStdin(true)
                        .withSize(10, 20),
                sink,
                null)) {
            assertTrue(firstSize.await(5, TimeUnit.SECONDS), out::toString);
            s.resize(33, 111);
            s.stdin().write("hello\n".getBytes());
            ExecResult r = s.waitFor(Duration.ofSeconds(5)).orElseThrow();
            assertEquals(0, r.exitCode());
            String text = out.toString(StandardCharsets.UTF_8);
            assertTrue(text.startsWith("10 20\r\n"), text);
            assertTrue(text.contains("got=hello\r\n33 111\r\n"), text);
        }
    }

    @Test
    void ttyStdinEof() throws Exception {
        ExecResult r = client.run(ExecRequest.of("sh", "-c", "cat; echo done").withTty(true), "abc\n".getBytes());
        assertEquals(0, r.exitCode());
        assertTrue(r.stdoutText().endsWith("done\r\n"), r.stdoutText());
    }

    @Test
    void tenMegabytesOfStdin() throws Exception {
        byte[] data = new byte[10 << 20];
        new Random(42).nextBytes(data);
        ExecResult r = client.run(ExecRequest.of("sha256sum"), data);
        assertEquals(0, r.exitCode(), r::stderrText);
        String want =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        assertEquals(want + "  -\n", r.stdoutText());
        ExecResult cat = client.run(ExecRequest.of("cat"), "x".repeat(100).getBytes());
        assertEquals("x".repeat(100), cat.stdoutText());
        ExecResult empty = client.run(ExecRequest.of("wc", "-c"), new byte[0]);
        assertEquals("0", empty.stdoutText().strip());
    }

    @Test
    void stdinOfAProgramThatDoesNotRead() throws Exception {
        ExecResult r = client.run(ExecRequest.of("true"), new byte[3 << 20]);
        assertEquals(0, r.exitCode());
    }

    @Test
    void aTtyProgramThatLeftItsTerminalStillGetsSignals() throws Exception {
        // The program stops reading (input piles up in the agent), then closes its terminal and
        // survives the hangup; its end of input follows. Input for a closed terminal has nowhere
        // to go, and holding it must not stop the agent reading the connection (the SIGNAL).
        String script =
                "trap '' HUP; stty raw -echo; sleep 1; exec </dev/null >/dev/null 2>&1; echo >/tmp/left-tty; sleep 60";
        try (ExecSession s = client.start(
                ExecRequest.of("sh", "-c", script).withTty(true).withStdin(true),
                OutputStream.nullOutputStream(),
                null)) {
            s.feedStdin(new ByteArrayInputStream(new byte[4 << 20]), "tty-stdin-feeder")
                    .join(10_000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (client.run("test", "-e", "/tmp/left-tty").exitCode() != 0) {
                assertTrue(System.nanoTime() < deadline, "the program never closed its terminal");
                Thread.sleep(50);
            }
            s.signal(15);
            ExecResult r = s.waitFor(Duration.ofSeconds(10))
                    .orElseThrow(
                            () -> new AssertionError("SIGNAL not acted on: the agent stopped reading the connection"));
            assertEquals(15, r.signal());
        }
    }

    @Test
    void fiftyConcurrentExecs() throws Exception {
        int n = 50;
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<ExecResult>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                fs.add(pool.submit(() -> {
                    go.await();
                    return client.run("sh", "-c", "sleep 0.2; echo $0", "n" + id);
                }));
            }
            long t0 = System.nanoTime();
            go.countDown();
            for (int i = 0; i < n; i++) {
                ExecResult r = fs.get(i).get(15, TimeUnit.SECONDS);
                assertEquals(0, r.exitCode(), r::stderrText);
                assertEquals("n" + i + "\n", r.stdoutText());
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 8000, "50 parallel 0.2 s execs took " + ms + " ms: they did not run concurrently");
        }
    }

    @Test
    void copyInAndOut() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        assertEquals(data.length, client.copyIn(new ByteArrayInputStream(data), "/tmp/blob", 0640));
        assertEquals("640 1048576\n", sh("stat -c '%a %s' /tmp/blob"));
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        assertEquals(data.length, client.copyOut("/tmp/blob", back));
        assertArrayEquals(data, back.toByteArray());
        // a file made in the guest, out
        sh("head -c 300000 /dev/urandom > /root/made; md5sum /root/made");
        ByteArrayOutputStream made = new ByteArrayOutputStream();
        assertEquals(300000, client.copyOut("/root/made", made));
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(made.toByteArray()));
        assertEquals(md5 + "  /root/made\n", sh("md5sum /root/made"));
        // overwrite atomically; empty file
        assertEquals(0, client.copyIn(InputStream.nullInputStream(), "/tmp/blob", 0600));
        assertEquals("600 0\n", sh("stat -c '%a %s' /tmp/blob"));
        assertEquals("", sh("ls -a /tmp | grep jvmm || true"), "no temp files left behind");
    }

    @Test
    void copyErrors() throws Exception {
        AgentException e = assertThrows(
                AgentException.class, () -> client.copyOut("/no/such/file", OutputStream.nullOutputStream()));
        assertEquals(2, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("/no/such/file"), e.getMessage());
        e = assertThrows(AgentException.class, () -> client.copyOut("/tmp", OutputStream.nullOutputStream()));
        assertEquals(21, e.code(), e.getMessage());
        e = assertThrows(
                AgentException.class,
                () -> client.copyIn(new ByteArrayInputStream(new byte[200_000]), "/no/dir/file", 0644));
        assertEquals(2, e.code(), e.getMessage());
        e = assertThrows(
                AgentException.class, () -> client.copyIn(new ByteArrayInputStream(new byte[10]), "/tmp", 0644));
        assertTrue(e.code() == 21 || e.code() == 16 || e.code() == 39, e.code() + " " + e.getMessage());
        assertEquals("", sh("ls -a /tmp | grep jvmm || true"), "no temp files left behind");
        client.ping();
    }

    @Test
    void zombiesAreReaped() throws Exception {
        assertEquals(
                0,
                client.run("sh", "-c", "sleep 0.1 & sleep 0.1 & (sleep 0.1 &) ; exit 0")
                        .exitCode());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        String zombies;
        do {
            Thread.sleep(150);
            zombies = zombies();
        } while (!zombies.isEmpty() && System.nanoTime() < deadline);
        assertEquals("", zombies, "zombie processes remain");
    }

    private static String zombies() throws Exception {
        StringBuilder z = new StringBuilder();
        for (String line : sh("cat /proc/[0-9]*/stat 2>/dev/null; true").split("\n")) {
            int rp = line.lastIndexOf(')');
            if (rp > 0 && line.length() > rp + 2 && line.charAt(rp + 2) == 'Z')
                z.append(line).append('\n');
        }
        return z.toString();
    }

    @Test
    void user() throws Exception {
        assertEquals("0\n", client.run("id", "-u").stdoutText());
        assertEquals(
                "65534 65534\n",
                client.run(ExecRequest.of("sh", "-c", "echo $(id -u) $(id -g)").withUser("nobody"), null)
                        .stdoutText());
        assertEquals(
                "65534\n",
                client.run(ExecRequest.of("id", "-u").withUser("65534"), null).stdoutText());
        assertEquals(
                "123 456\n",
                client.run(ExecRequest.of("sh", "-c", "echo $(id -u) $(id -g)").withUser("123:456"), null)
                        .stdoutText());
        ExecResult bad = client.run(ExecRequest.of("id").withUser("nosuchuser"), null);
        assertEquals(126, bad.exitCode());
        assertTrue(bad.error().contains("nosuchuser"), bad.error());
    }

    /** A numeric uid the image does not list gets gid 0 and HOME /, as docker gives it. */
    @Test
    void unlistedUidGetsGroupZero() throws Exception {
        ExecResult r = client.run(
                ExecRequest.of("sh", "-c", "echo $(id -u) $(id -g) $HOME").withUser("1000"), null);
        assertEquals("1000 0 /\n", r.stdoutText(), r.toString());
    }

    /** An image without /etc/passwd (FROM scratch): runs as 0:0; only a user named explicitly must exist. */
    @Test
    void rootWithoutPasswdFile() throws Exception {
        sh("mv /etc/passwd /etc/passwd.off && mv /etc/group /etc/group.off");
        try {
            ExecResult r = client.run("sh", "-c", "echo $(id -u) $(id -g) $HOME");
            assertEquals(0, r.exitCode(), () -> r + " error=" + r.error());
            assertEquals("0 0 /\n", r.stdoutText());
            ExecResult n = client.run(
                    ExecRequest.of("sh", "-c", "echo $(id -u) $(id -g)").withUser("1000"), null);
            assertEquals("1000 0\n", n.stdoutText(), () -> n + " error=" + n.error());
            ExecResult p = client.run(
                    ExecRequest.of("sh", "-c", "echo $(id -u) $(id -g)").withUser("1000:1000"), null);
            assertEquals("1000 1000\n", p.stdoutText(), () -> p + " error=" + p.error());
            ExecResult named = client.run(ExecRequest.of("id").withUser("root"), null);
            assertEquals(126, named.exitCode());
            assertTrue(named.error().contains("unable to find user root"), named.error());
        } finally {
            sh("mv /etc/passwd.off /etc/passwd && mv /etc/group.off /etc/group");
        }
    }

    @Test
    void cwd() throws Exception {
        assertEquals(
                "/tmp\n",
                client.run(ExecRequest.of("pwd").withCwd("/tmp"), null).stdoutText());
        assertEquals("/\n", client.run("pwd").stdoutText());
        ExecResult bad = client.run(ExecRequest.of("pwd").withCwd("/no/such/dir"), null);
        assertEquals(126, bad.exitCode());
        assertTrue(bad.error().contains("/no/such/dir"), bad.error());
    }

    @Test
    void env() throws Exception {
        ExecResult r = client.run(
                ExecRequest.of("sh", "-c", "echo $FOO:$JVMM_TEST:$PATH:$HOME").withEnv(List.of("FOO=bar baz")), null);
        assertEquals("bar baz:1:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/root\n", r.stdoutText());
        ExecResult o = client.run(
                ExecRequest.of("sh", "-c", "echo $JVMM_TEST:$PATH").withEnv(List.of("JVMM_TEST=2", "PATH=/bin")), null);
        assertEquals("2:/bin\n", o.stdoutText(), "EXEC env overrides the config's");
    }

    @Test
    void notFoundAndNotExecutable() throws Exception {
        ExecResult r = client.run("nosuch");
        assertEquals(127, r.exitCode());
        assertEquals("exec: \"nosuch\": executable file not found in $PATH", r.error());
        ExecSession s = client.start(ExecRequest.of("/no/such"), null, null);
        assertEquals(-1, s.pid());
        assertEquals(127, s.waitFor().exitCode());
        ExecResult x = client.run("/etc/passwd");
        assertEquals(126, x.exitCode());
        assertNotNull(x.error());
    }

    /** Raw connections with broken frames: each gets ERROR EPROTO and is closed; the agent carries on. */
    @Test
    void malformedFrames() throws Exception {
        byte[] exec = ExecRequest.of("true").toFrame().payload();
        byte[] trailing = Arrays.copyOf(exec, exec.length + 1);
        List<byte[]> cases = List.of(
                new byte[] {2, 0x41, 0, 0, 0, 0, 0, 0}, // bad version
                new byte[] {1, 0x41, 1, 0, 0, 0, 0, 0}, // flags
                new byte[] {1, 0x31, 0, 0, 1, 0, 0x10, 0}, // 1 MiB + 1
                new byte[] {1, 0x31, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff},
                new byte[] {1, 0x66, 0, 0, 0, 0, 0, 0}, // unknown type
                FrameCodec.encode(AgentProtocol.STDIN, new byte[3], 0, 3), // not allowed first
                FrameCodec.encode(AgentProtocol.EXEC, trailing, 0, trailing.length),
                FrameCodec.encode(AgentProtocol.EXEC, exec, 0, exec.length - 1),
                FrameCodec.encode(AgentProtocol.PING, new byte[1], 0, 1),
                "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        for (byte[] c : cases) {
            try (UnixAgentChannel ch = UnixAgentChannel.connect(agent.socket)) {
                ch.output().write(c);
                Frame f = FrameCodec.read(ch.input());
                assertNotNull(f, "an ERROR frame for " + HexFormat.of().formatHex(c, 0, Math.min(16, c.length)));
                assertEquals(AgentProtocol.ERROR, f.type());
                assertEquals(AgentProtocol.EPROTO, FrameCodec.error(f).code());
                assertNull(FrameCodec.read(ch.input()), "then the connection is closed");
            }
        }
        // inside a running exec: a bad frame ends that session only
        try (UnixAgentChannel ch = UnixAgentChannel.connect(agent.socket)) {
            FrameCodec.write(ch.output(), ExecRequest.of("sleep", "100").toFrame());
            assertEquals(AgentProtocol.STARTED, FrameCodec.read(ch.input()).type());
            ch.output().write(new byte[] {1, 0x20, 0, 0, 0, 0, 0x20, 0}); // 2 MiB STDIN
            Frame f = FrameCodec.read(ch.input());
            assertEquals(AgentProtocol.ERROR, f.type());
            assertEquals(AgentProtocol.EPROTO, FrameCodec.error(f).code());
        }
        // a truncated frame followed by close
        try (UnixAgentChannel ch = UnixAgentChannel.connect(agent.socket)) {
            ch.output().write(new byte[] {1, 0x10, 0, 0, 100, 0, 0, 0, 1, 2});
            ch.shutdownOutput();
            assertNull(FrameCodec.read(ch.input()));
        }
        assertEquals("still here\n", client.run("echo", "still here").stdoutText());
        // The agent kills the session's process when the session ends; the kill and the reaping
        // happen after the ERROR frame went out, so give them a moment on a loaded host.
        String left = "";
        for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline; Thread.sleep(20)) {
            left = sh("ps -o pid,args | grep 'sleep 100' | grep -v grep || true");
            if (left.isEmpty()) break;
        }
        assertEquals("", left, "the session's process was killed");
    }

    @Test
    void closingASessionKillsTheProgram() throws Exception {
        ExecSession s = client.start(ExecRequest.of("sleep", "77"), null, null);
        assertTrue(sh("ps -o args").contains("sleep 77"));
        s.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (sh("ps -o args").contains("sleep 77") && System.nanoTime() < deadline) Thread.sleep(50);
        assertFalse(sh("ps -o args").contains("sleep 77"));
        assertThrows(IOException.class, s::waitFor);
    }

    @Test
    void theWorkloadOutlivesItsConnection() throws Exception {
        // After a snapshot restore the host's connections are reset: the VM's main process must go on.
        ExecSession s = client.start(
                ExecRequest.of("sh", "-c", "while :; do echo tick; sleep 0.05; done; # wl-88")
                        .withWorkload(true),
                OutputStream.nullOutputStream(),
                null);
        s.close();
        Thread.sleep(500);
        assertTrue(sh("ps -o args").contains("wl-88"), "the workload was killed with its connection");
        // Matches args that end with the marker: not this killing shell, whose args go on after it.
        sh("ps -o pid,args | while read p a; do case \"$a\" in *'# wl-88') kill $p;; esac; done; true");
    }

    @Test
    void overlayKeepsTheImageUntouched() throws Exception {
        String before = Files.readString(agent.root.resolve("etc/passwd"));
        assertEquals("written\n", sh("echo written > /newfile; cat /newfile"));
        sh("echo 'extra:x:1000:1000::/:/bin/sh' >> /etc/passwd; rm /bin/vi; mkdir -p /opt/x");
        assertTrue(sh("cat /etc/passwd").contains("extra"));
        assertFalse(Files.exists(agent.root.resolve("newfile")));
        assertFalse(Files.exists(agent.root.resolve("opt")));
        assertTrue(Files.exists(agent.root.resolve("bin/vi"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(before, Files.readString(agent.root.resolve("etc/passwd")));
        String mounts = sh("cat /proc/mounts");
        assertTrue(mounts.startsWith("overlay / overlay"), mounts);
        for (String m : List.of(
                " /proc proc",
                " /sys sysfs",
                " /dev devtmpfs",
                " /dev/pts devpts",
                " /dev/shm tmpfs",
                " /run tmpfs",
                " /tmp tmpfs")) assertTrue(mounts.contains(m), m + " missing in\n" + mounts);
    }

    @Test
    void hostnameAndPid1() throws Exception {
        assertEquals("jvmm-test\n", client.run("hostname").stdoutText());
        assertEquals("1\n", sh("cat /proc/1/stat | cut -d' ' -f1"));
        assertTrue(sh("ip link 2>/dev/null || cat /proc/net/dev").contains("lo"));
    }

    @Test
    void workloadReceivesForwardedSignals() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CountDownLatch ready = new CountDownLatch(1);
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
                if (out.toString(StandardCharsets.UTF_8).contains("trapped")) ready.countDown();
            }
        };
        try (ExecSession s = client.start(
                ExecRequest.of(
                                "sh",
                                "-c",
                                "trap 'echo got-term; exit 7' TERM; echo trapped; while :; do sleep 0.05; done")
                        .withWorkload(true),
                sink,
                null)) {
            assertTrue(ready.await(5, TimeUnit.SECONDS));
            new ProcessBuilder("kill", "-TERM", Long.toString(agent.agentHostPid()))
                    .inheritIO()
                    .start()
                    .waitFor();
            ExecResult r = s.waitFor(Duration.ofSeconds(5)).orElseThrow();
            assertEquals(7, r.exitCode());
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("got-term"));
        }
        client.ping();
    }

    @Test
    void poweroffEndsTheNamespace() throws Exception {
        try (NamespaceAgent other = NamespaceAgent.start("other")) {
            assertEquals("other\n", other.client.run("hostname").stdoutText());
            ExecSession sleeper = other.client.start(ExecRequest.of("sleep", "100"), null, null);
            long t0 = System.nanoTime();
            other.client.poweroff(Duration.ofMillis(500));
            assertTrue(other.process.waitFor(5, TimeUnit.SECONDS), "unshare still running after POWEROFF");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
            // The programs get the SIGTERM; their handlers live on to report it.
            ExecResult killed = sleeper.waitFor();
            assertEquals(15, killed.signal(), killed.toString());
            assertEquals(143, killed.exitCode());
            assertNull(FrameCodec.read(other.readiness.input()), "readiness connection ends");
            assertTrue(other.log().contains("powering off"), other.log());
        }
    }

    /** Pids of the agent's idle handlers: copies of PID 1 (same command line), children of it, other
     * than the one serving this very exec (the parent of its sh). */
    private static List<Long> idleHandlers(AgentClient c) throws Exception {
        ExecResult r = c.run(
                "sh",
                "-c",
                "for p in /proc/[0-9]*; do echo \"${p#/proc/} $(cut -d' ' -f4 $p/stat) "
                        + "$(tr '\\0' ' ' < $p/cmdline)\"; done 2>/dev/null; echo me $PPID");
        assertEquals(0, r.exitCode(), r.stderrText());
        String[] lines = r.stdoutText().split("\n");
        String pid1Args = null;
        long me = -1;
        List<String[]> procs = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(" ", 3);
            if (f[0].equals("me")) me = Long.parseLong(f[1].trim());
            else if (f.length == 3) {
                procs.add(f);
                if (f[0].equals("1")) pid1Args = f[2];
            }
        }
        assertNotNull(pid1Args, r.stdoutText());
        List<Long> idle = new ArrayList<>();
        for (String[] f : procs)
            if (f[1].equals("1") && f[2].equals(pid1Args) && Long.parseLong(f[0]) != me) idle.add(Long.parseLong(f[0]));
        return idle;
    }

    /** Waits (the previous connections' handlers may still be ending) until exactly n idle handlers are seen. */
    private static List<Long> awaitIdleHandlers(AgentClient c, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<Long> idle;
        do {
            idle = idleHandlers(c);
            if (idle.size() == n) return idle;
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        return idle;
    }

    private static void pingUntilAnswered(AgentClient c) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                c.ping();
                return;
            } catch (IOException e) {
                if (attempt == 3) throw e;
                Thread.sleep(100);
            }
        }
    }

    @Test
    void idleHandlersArePreForked() throws Exception {
        try (NamespaceAgent other = NamespaceAgent.start("pool")) {
            assertEquals(2, awaitIdleHandlers(other.client, 2).size(), "PID 1 keeps two idle handlers in accept()");
            // Killed idle handlers are replaced, and connections are served meanwhile. (Found and killed
            // by one script: an idle handler seen by one exec serves the next.)
            ExecResult killed = other.client.run(
                    "sh",
                    "-c",
                    "a1=$(tr '\\0' ' ' < /proc/1/cmdline); for p in /proc/[0-9]*; do "
                            + "n=${p#/proc/}; [ $n = $PPID ] && continue; [ \"$(cut -d' ' -f4 $p/stat)\" = 1 ] || continue; "
                            + "[ \"$(tr '\\0' ' ' < $p/cmdline)\" = \"$a1\" ] && kill -9 $n && echo $n; done 2>/dev/null; true");
            assertTrue(killed.stdoutText().lines().count() >= 2, killed.stdoutText());
            // A killed handler may still take one connection from accept() before SIGKILL ends it (the
            // kernel completes the accept, then the process dies and the connection is reset): try again.
            pingUntilAnswered(other.client);
            assertEquals("ok\n", other.client.run("echo", "ok").stdoutText());
            assertEquals(2, awaitIdleHandlers(other.client, 2).size(), "the pool was refilled");
            // Idle handlers block SIGTERM like busy ones, but power-off must not wait for them.
            long t0 = System.nanoTime();
            other.client.poweroff(Duration.ofSeconds(15));
            assertTrue(other.process.waitFor(10, TimeUnit.SECONDS), "unshare still running after POWEROFF");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 3000, "power-off with only idle handlers took " + ms + " ms");
            assertFalse(other.log().contains("handler: accept"), other.log());
        }
    }

    @Test
    void hostGoingAwayEndsTheAgent() throws Exception {
        try (NamespaceAgent other = NamespaceAgent.start("other2")) {
            other.client.ping();
            other.readiness.close();
            assertTrue(other.process.waitFor(5, TimeUnit.SECONDS), "agent kept running without its host");
        }
        // and the other way: unshare killed (the test process dying) takes the agent with it
        try (NamespaceAgent other = NamespaceAgent.start("other3")) {
            long agentPid = other.agentHostPid();
            other.process.destroyForcibly();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (ProcessHandle.of(agentPid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline)
                Thread.sleep(20);
            assertFalse(ProcessHandle.of(agentPid).map(ProcessHandle::isAlive).orElse(false), "agent outlived unshare");
        }
    }

    @Test
    void closingAfterEndOfInputStillKillsTheProgram() throws Exception {
        try (UnixAgentChannel ch = UnixAgentChannel.connect(agent.socket)) {
            FrameCodec.write(ch.output(), ExecRequest.of("sleep", "78").toFrame());
            assertEquals(AgentProtocol.STARTED, FrameCodec.read(ch.input()).type());
            ch.shutdownOutput();
            Thread.sleep(50);
            assertTrue(sh("ps -o args").contains("sleep 78"), "end of input alone does not kill");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (sh("ps -o args").contains("sleep 78") && System.nanoTime() < deadline) Thread.sleep(50);
        assertFalse(sh("ps -o args").contains("sleep 78"));
    }

    @Test
    void backgroundProcessesDoNotHoldTheExitBack() throws Exception {
        long t0 = System.nanoTime();
        ExecResult r = client.run("sh", "-c", "sleep 5 & echo started");
        assertEquals("started\n", r.stdoutText());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3), "EXIT waited for a background process");
        sh("pkill -f 'sleep 5' || killall sleep || true");
    }

    @Test
    void programsInheritOnlyStdio() throws Exception {
        // "; true" keeps sh from exec'ing ls, whose own directory fd would show up
        assertEquals("0\n1\n2\n", sh("ls -1 /proc/$$/fd; true"));
        ExecResult t =
                client.run(ExecRequest.of("sh", "-c", "ls -1 /proc/$$/fd; true").withTty(true), null);
        assertEquals("0\r\n1\r\n2\r\n", t.stdoutText());
    }

    @Test
    void randomGarbageNeverHurtsTheAgent() throws Exception {
        Random rnd = new Random(1234);
        for (int i = 0; i < 100; i++) {
            byte[] junk = new byte[rnd.nextInt(64)];
            rnd.nextBytes(junk);
            if (junk.length > 0 && rnd.nextBoolean()) junk[0] = 1; // get past the version check sometimes
            try (UnixAgentChannel ch = UnixAgentChannel.connect(agent.socket)) {
                ch.output().write(junk);
                ch.shutdownOutput();
                while (FrameCodec.read(ch.input()) != null) {
                    /* whatever it answers, it must end */
                }
            } catch (AgentProtocolException | SocketException ignored) {
                // an answer cut short is fine; a hang or a dead agent is not
            }
        }
        assertEquals("alive\n", client.run("echo", "alive").stdoutText());
    }

    @Test
    void setupErrorsExitWithAClearMessage() throws Exception {
        Path dir = Files.createTempDirectory("jvmm-agent-bad-");
        try {
            Path conf = dir.resolve("agent.conf");
            Files.writeString(conf, "listen unix:" + dir.resolve("a.sock") + "\nfrobnicate yes\n");
            assertEquals("frobnicate: unknown key", runBadAgent(conf), "unknown key");
            Files.writeString(
                    conf, "listen unix:" + dir.resolve("a.sock") + "\nroot dir:" + dir.resolve("missing") + "\n");
            assertEquals("bind " + dir.resolve("missing") + ": No such file or directory", runBadAgent(conf));
            Files.writeString(conf, "listen unix:" + dir.resolve("a.sock") + "\nlive /a/../b\n");
            assertTrue(runBadAgent(conf).contains("live: expected an absolute path below /"), "live: a bad path");
            Files.writeString(conf, "listen unix:" + dir.resolve("a.sock") + "\nlive /containers\n");
            assertTrue(runBadAgent(conf).contains("'live' needs a dir: or virtiofs: 'root'"), "live without a root");
        } finally {
            FileTrees.delete(dir);
        }
    }

    /** Runs an agent that must fail; returns the interesting part of its one error line. */
    private static String runBadAgent(Path conf) throws Exception {
        Process p = new ProcessBuilder(
                        NamespaceAgent.findUnshare().orElseThrow().toString(),
                        "--fork",
                        "--pid",
                        "--mount",
                        "--uts",
                        "--net",
                        "--propagation",
                        "private",
                        "--kill-child",
                        NamespaceAgent.agentBinary().orElseThrow().toString(),
                        "--config",
                        conf.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue(), out);
        String first = out.lines().findFirst().orElse("");
        if (first.contains("unknown key")) return first.replaceAll(".*:\\d+: ", "");
        return first.replaceAll(".*setup: ", "").replaceAll(" \\(errno \\d+\\)$", "");
    }

    @Test
    void debugModeWhenNotPid1() throws Exception {
        Path dir = Files.createTempDirectory("jvmm-agent-debug-");
        try {
            Path conf = dir.resolve("agent.conf"), sock = dir.resolve("a.sock");
            Files.writeString(
                    conf,
                    AgentConfig.builder()
                            .listenUnix(sock)
                            .env("DEBUGMODE=1")
                            .build()
                            .render());
            Process p = new ProcessBuilder(
                            NamespaceAgent.agentBinary().orElseThrow().toString(), "--config", conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("log").toFile())
                    .start();
            try {
                AgentClient c = AgentClient.unix(sock);
                // The socket file exists from bind() on, a moment before listen(): wait for an answer.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (true) {
                    try {
                        c.ping();
                        break;
                    } catch (SocketException e) { // refused, or no such file yet
                        if (System.nanoTime() > deadline) throw e;
                        Thread.sleep(10);
                    }
                }
                assertEquals("1\n", c.run("sh", "-c", "echo $DEBUGMODE").stdoutText());
                c.poweroff(Duration.ZERO);
                assertTrue(p.waitFor(5, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue());
                assertTrue(Files.readString(dir.resolve("log")).contains("debug mode"));
            } finally {
                p.destroyForcibly();
            }
        } finally {
            FileTrees.delete(dir);
        }
    }
}
