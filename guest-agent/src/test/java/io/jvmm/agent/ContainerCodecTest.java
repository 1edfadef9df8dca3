package io.jvmm.agent;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The container frames of protocol 2: exact layouts, and validation on both sides. */
class ContainerCodecTest {
    @Test
    void createLayout() throws Exception {
        ContainerSpec spec = ContainerSpec.builder("web-1", ContainerRoot.image("/share/web.erofs"))
                .command("nginx", "-g", "daemon off;")
                .env(List.of("A=1"))
                .cwd("/srv")
                .user("101:101")
                .hostname("web")
                .readOnlyRoot(true)
                .tty(true, 30, 100)
                .limits(ContainerLimits.NONE.withMemory(64L << 20).withCpus(1.5).withPids(100))
                .build();
        Frame f = spec.toFrame();
        assertEquals(AgentProtocol.CONTAINER_CREATE, f.type());
        Payload.Reader r = new Payload.Reader(f);
        assertEquals("web-1", r.str());
        assertEquals(AgentProtocol.CONTAINER_TTY | AgentProtocol.CONTAINER_READONLY, r.u32());
        assertEquals(30, r.u16());
        assertEquals(100, r.u16());
        assertEquals("image:/share/web.erofs", r.str());
        assertEquals("web", r.str());
        assertEquals("101:101", r.str());
        assertEquals("/srv", r.str());
        assertEquals(List.of("nginx", "-g", "daemon off;"), r.strs());
        assertEquals(List.of("A=1"), r.strs());
        assertEquals(64L << 20, r.u64());
        assertEquals(150_000, r.u32());
        assertEquals(100_000, r.u32());
        assertEquals(100, r.u32());
        r.end();
        assertEquals(
                "dir:/share/a",
                ContainerSpec.builder("a", ContainerRoot.directory("/share/a"))
                        .command("true")
                        .build()
                        .root()
                        .encoded());
    }

    @Test
    void mountsTrailTheCreateFrameOnlyWhenThereAreSome() throws Exception {
        ContainerSpec.Builder b =
                ContainerSpec.builder("m", ContainerRoot.directory("/share/m")).command("true");
        Frame none = b.build().toFrame();
        Frame some = b.mounts(List.of(
                        ContainerMount.bind("/share/vol", "/data", true),
                        ContainerMount.tmpfs("/run", ContainerMount.NO_SUID | ContainerMount.NO_DEV, "size=64m")))
                .build()
                .toFrame();
        assertArrayEquals(none.payload(), Arrays.copyOf(some.payload(), none.payload().length));
        Payload.Reader r = new Payload.Reader(new Frame(
                AgentProtocol.CONTAINER_CREATE,
                Arrays.copyOfRange(some.payload(), none.payload().length, some.payload().length)));
        assertEquals(2, r.u32());
        assertEquals(List.of("bind", "/share/vol", "/data"), List.of(r.str(), r.str(), r.str()));
        assertEquals(ContainerMount.READ_ONLY, r.u32());
        assertEquals("", r.str());
        assertEquals(List.of("tmpfs", "", "/run"), List.of(r.str(), r.str(), r.str()));
        assertEquals(ContainerMount.NO_SUID | ContainerMount.NO_DEV, r.u32());
        assertEquals("size=64m", r.str());
        r.end();
    }

    @Test
    void processSecurityTrailsTheMountsWhichAreThenWrittenEvenWhenEmpty() throws Exception {
        ContainerSpec.Builder b =
                ContainerSpec.builder("s", ContainerRoot.directory("/share/s")).command("true");
        Frame none = b.build().toFrame();
        ProcessSecurity sec = new ProcessSecurity(
                new ProcessSecurity.Capabilities(0x3fL, 0x21L, 0x23L, 0x3L, 0x1L),
                true,
                List.of(new ProcessSecurity.Rlimit(7, 1024, 4096), new ProcessSecurity.Rlimit(4, 0, -1L)),
                027,
                List.of(10L, 0xfffffffeL));
        Frame some = b.security(sec).build().toFrame();
        assertArrayEquals(none.payload(), Arrays.copyOf(some.payload(), none.payload().length));
        Payload.Reader r = new Payload.Reader(new Frame(
                AgentProtocol.CONTAINER_CREATE,
                Arrays.copyOfRange(some.payload(), none.payload().length, some.payload().length)));
        assertEquals(0, r.u32(), "no mounts, written so that the security part can follow");
        assertEquals(
                AgentProtocol.SECURITY_NO_NEW_PRIVS | AgentProtocol.SECURITY_CAPS | AgentProtocol.SECURITY_UMASK,
                r.u32());
        assertEquals(List.of(0x3fL, 0x21L, 0x23L, 0x3L, 0x1L), List.of(r.u64(), r.u64(), r.u64(), r.u64(), r.u64()));
        assertEquals(027, r.u32());
        assertEquals(2, r.u32());
        assertEquals(List.of(10L, 0xfffffffeL), List.of(r.u32L(), r.u32L()));
        assertEquals(2, r.u32());
        assertEquals(List.of(7L, 1024L, 4096L), List.of(r.u32L(), r.u64(), r.u64()));
        assertEquals(List.of(4L, 0L, -1L), List.of(r.u32L(), r.u64(), r.u64()));
        r.end();
        assertArrayEquals(
                none.payload(),
                b.security(ProcessSecurity.DEFAULT).build().toFrame().payload(),
                "the default adds nothing");
    }

    @Test
    void badProcessSecurityIsRefusedBeforeItIsSent() {
        assertThrows(IllegalArgumentException.class, () -> new ProcessSecurity.Capabilities(0, 1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ProcessSecurity.Capabilities(0, 0, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ProcessSecurity.Capabilities(1, 0, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ProcessSecurity.Rlimit(16, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ProcessSecurity.Rlimit(7, 10, 5));
        assertThrows(IllegalArgumentException.class, () -> new ProcessSecurity.Rlimit(7, -1L, 5));
        new ProcessSecurity.Rlimit(7, 5, -1L); // unlimited hard: fine
        assertThrows(
                IllegalArgumentException.class, () -> new ProcessSecurity(null, false, List.of(), 01000, List.of()));
        assertThrows(
                IllegalArgumentException.class, () -> new ProcessSecurity(null, false, List.of(), -1, List.of(-1L)));
        assertThrows(
                IllegalArgumentException.class,
                () -> new ProcessSecurity(null, false, List.of(), -1, Collections.nCopies(33, 1L)));
    }

    @Test
    void badMountsAreRefusedBeforeTheyAreSent() {
        assertThrows(IllegalArgumentException.class, () -> new ContainerMount("proc", "", "/proc", 0, ""));
        assertThrows(IllegalArgumentException.class, () -> ContainerMount.bind("relative", "/x", false));
        assertThrows(IllegalArgumentException.class, () -> ContainerMount.bind("/x", "y", false));
        assertThrows(IllegalArgumentException.class, () -> new ContainerMount("bind", "/x", "/y", 0, "size=1"));
        assertThrows(IllegalArgumentException.class, () -> ContainerMount.tmpfs("/x", 16, ""));
        assertThrows(IllegalArgumentException.class, () -> ContainerMount.bind("/x\0", "/y", false));
        List<ContainerMount> many = Collections.nCopies(65, ContainerMount.tmpfs("/t", 0, ""));
        assertThrows(
                IllegalArgumentException.class,
                () -> ContainerSpec.builder("m", ContainerRoot.directory("/r"))
                        .command("true")
                        .mounts(many)
                        .build());
    }

    @Test
    void execJoinsAContainerWithATrailingId() throws Exception {
        Frame v1 = ExecRequest.of("ls").toFrame();
        Frame v2 = ExecRequest.of("ls").inContainer("web-1").toFrame();
        // Without a container the frame is exactly protocol 1's.
        assertArrayEquals(v1.payload(), Arrays.copyOf(v2.payload(), v1.payload().length));
        Payload.Reader r = new Payload.Reader(new Frame(
                AgentProtocol.EXEC, Arrays.copyOfRange(v2.payload(), v1.payload().length, v2.payload().length)));
        assertEquals("web-1", r.str());
        r.end();
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of("ls").inContainer("../x"));

        // security follows the id, which is then written even for the pod itself ("")
        ProcessSecurity sec = new ProcessSecurity(null, true, List.of(), -1, List.of());
        Frame v3 = ExecRequest.of("ls").withSecurity(sec).toFrame();
        Payload.Reader t = new Payload.Reader(new Frame(
                AgentProtocol.EXEC, Arrays.copyOfRange(v3.payload(), v1.payload().length, v3.payload().length)));
        assertEquals("", t.str());
        assertEquals(AgentProtocol.SECURITY_NO_NEW_PRIVS, t.u32());
        for (int i = 0; i < 5; i++) assertEquals(0, t.u64());
        assertEquals(List.of(0, 0, 0), List.of(t.u32(), t.u32(), t.u32()), "umask, no gids, no rlimits");
        t.end();
    }

    @Test
    void statusParsing() throws Exception {
        Frame f = new Payload.Writer()
                .str("db")
                .u32(2)
                .u32(0)
                .i32(137)
                .i32(9)
                .u32(1)
                .u64(1_000_000_000L)
                .u64(2_000_000_000L)
                .u64(3_500_000_000L)
                .frame(AgentProtocol.CONTAINER_STATUS);
        ContainerStatus s = ContainerStatus.read(f);
        assertEquals(
                new ContainerStatus(
                        "db",
                        ContainerStatus.State.EXITED,
                        0,
                        137,
                        9,
                        true,
                        Instant.ofEpochSecond(1),
                        Instant.ofEpochSecond(2),
                        Instant.ofEpochSecond(3, 500_000_000)),
                s);
        Frame created = new Payload.Writer()
                .str("db")
                .u32(0)
                .u32(7)
                .i32(0)
                .i32(0)
                .u32(0)
                .u64(5)
                .u64(0)
                .u64(0)
                .frame(AgentProtocol.CONTAINER_STATUS);
        assertNull(ContainerStatus.read(created).started());
        Frame badState = new Payload.Writer()
                .str("db")
                .u32(3)
                .u32(0)
                .i32(0)
                .i32(0)
                .u32(0)
                .u64(0)
                .u64(0)
                .u64(0)
                .frame(AgentProtocol.CONTAINER_STATUS);
        assertThrows(AgentProtocolException.class, () -> ContainerStatus.read(badState));
        Frame trailing = new Frame(AgentProtocol.CONTAINER_STATUS, Arrays.copyOf(f.payload(), f.payload().length + 1));
        assertThrows(AgentProtocolException.class, () -> ContainerStatus.read(trailing));
        Frame shortFrame = new Frame(AgentProtocol.CONTAINER_STATUS, Arrays.copyOf(f.payload(), 20));
        assertThrows(AgentProtocolException.class, () -> ContainerStatus.read(shortFrame));
    }

    @Test
    void containerFramesAreKnownTypes() {
        for (int t = AgentProtocol.CONTAINER_CREATE; t <= AgentProtocol.CONTAINER_UPDATE; t++) {
            assertTrue(AgentProtocol.isKnownType(t));
            assertTrue(AgentProtocol.typeName(t).startsWith("CONTAINER_"));
        }
        assertFalse(AgentProtocol.isKnownType(0x5b));
    }

    @Test
    void validation() {
        ContainerRoot root = ContainerRoot.directory("/r");
        for (String id : List.of("", ".hidden", "a/b", "x".repeat(65), "sp ace"))
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ContainerSpec.builder(id, root).command("true").build());
        assertThrows(IllegalArgumentException.class, () -> ContainerRoot.directory("relative"));
        assertThrows(
                IllegalArgumentException.class,
                () -> ContainerSpec.builder("a", root).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ContainerSpec.builder("a", root)
                        .command("true")
                        .env(List.of("NOEQUALS"))
                        .build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ContainerSpec.builder("a", root)
                        .command("true")
                        .cwd("rel")
                        .build());
        assertThrows(IllegalArgumentException.class, () -> ContainerLimits.NONE.withMemory(-1));
        assertThrows(IllegalArgumentException.class, () -> ContainerLimits.NONE.withCpus(0));
        assertThrows(IllegalArgumentException.class, () -> new ContainerLimits(0, 10, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ContainerLimits(0, 0, 5_000_000, 0));
        assertThrows(IllegalArgumentException.class, () -> new AgentClient(() -> null).signalContainer("a", 65));
    }
}
