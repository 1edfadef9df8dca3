package io.jvmm.agent;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private static Frame decode(byte[] b) throws IOException {
        return FrameCodec.read(new ByteArrayInputStream(b));
    }

    private static byte[] header(int version, int type, int flags, long len) {
        return new byte[] {
            (byte) version,
            (byte) type,
            (byte) flags,
            (byte) (flags >> 8),
            (byte) len,
            (byte) (len >> 8),
            (byte) (len >> 16),
            (byte) (len >> 24)
        };
    }

    @Test
    void roundTrip() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frame a = new Frame(AgentProtocol.STDOUT, "hello".getBytes());
        Frame b = new Frame(AgentProtocol.OK, new byte[0]);
        Frame c = new Frame(AgentProtocol.DATA, new byte[AgentProtocol.MAX_PAYLOAD]);
        FrameCodec.write(out, a);
        FrameCodec.write(out, b);
        FrameCodec.write(out, c);
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertEquals(a, FrameCodec.read(in));
        assertEquals(b, FrameCodec.read(in));
        assertEquals(c, FrameCodec.read(in));
        assertNull(FrameCodec.read(in), "clean EOF at a frame boundary");
    }

    @Test
    void headerLayoutIsLittleEndian() {
        byte[] b = FrameCodec.encode(AgentProtocol.EXIT, new byte[0x0102], 0, 0x0102);
        assertArrayEquals(header(1, 0x14, 0, 0x0102), Arrays.copyOf(b, 8));
    }

    @Test
    void execPayloadRoundTrip() throws IOException {
        ExecRequest r = ExecRequest.of("sh", "-c", "echo ü")
                .withEnv(List.of("A=1"))
                .withCwd("/tmp")
                .withUser("nobody")
                .withTty(true)
                .withStdin(true)
                .withWorkload(true)
                .withSize(24, 80);
        Payload.Reader p = new Payload.Reader(r.toFrame());
        assertEquals(7, p.u32());
        assertEquals(24, p.u16());
        assertEquals(80, p.u16());
        assertEquals("nobody", p.str());
        assertEquals("/tmp", p.str());
        assertEquals(List.of("sh", "-c", "echo ü"), p.strs());
        assertEquals(List.of("A=1"), p.strs());
        p.end();
    }

    @Test
    void rejectsBadVersion() {
        var e = assertThrows(AgentProtocolException.class, () -> decode(header(2, AgentProtocol.OK, 0, 0)));
        assertTrue(e.getMessage().contains("version"), e.getMessage());
    }

    @Test
    void rejectsFlags() {
        assertThrows(AgentProtocolException.class, () -> decode(header(1, AgentProtocol.OK, 1, 0)));
        assertThrows(AgentProtocolException.class, () -> decode(header(1, AgentProtocol.OK, 0x100, 0)));
    }

    @Test
    void rejectsOversizeWithoutAllocating() {
        assertThrows(
                AgentProtocolException.class,
                () -> decode(header(1, AgentProtocol.DATA, 0, AgentProtocol.MAX_PAYLOAD + 1L)));
        assertThrows(AgentProtocolException.class, () -> decode(header(1, AgentProtocol.DATA, 0, 0xffffffffL)));
    }

    @Test
    void rejectsUnknownType() {
        for (int t : new int[] {0, 2, 0x15, 0x23, 0x34, 0x43, 0x7d, 0x80, 0xff})
            assertThrows(AgentProtocolException.class, () -> decode(header(1, t, 0, 0)), "type " + t);
    }

    @Test
    void rejectsTruncation() {
        assertThrows(AgentProtocolException.class, () -> decode(new byte[] {1, 0x7e, 0}));
        byte[] h = header(1, AgentProtocol.STDOUT, 0, 10);
        byte[] b = Arrays.copyOf(h, 13);
        assertThrows(AgentProtocolException.class, () -> decode(b));
    }

    @Test
    void payloadReaderIsStrict() {
        Frame trailing = new Payload.Writer().u32(1).u32(2).frame(AgentProtocol.EXIT);
        assertThrows(AgentProtocolException.class, () -> {
            Payload.Reader r = new Payload.Reader(trailing);
            r.i32();
            r.end();
        });
        Frame shortStr =
                new Payload.Writer().u32(0).u32(100).bytes(new byte[10]).frame(AgentProtocol.ERROR);
        assertThrows(AgentProtocolException.class, () -> FrameCodec.error(shortStr));
        Frame hugeStr =
                new Payload.Writer().u32(0).u32(AgentProtocol.MAX_STRING + 1).frame(AgentProtocol.ERROR);
        assertThrows(AgentProtocolException.class, () -> FrameCodec.error(hugeStr));
        Frame nul = new Payload.Writer()
                .u32(0)
                .u32(3)
                .bytes(new byte[] {'a', 0, 'b'})
                .frame(AgentProtocol.ERROR);
        assertThrows(AgentProtocolException.class, () -> FrameCodec.error(nul));
        Frame manyStrs = new Payload.Writer().u32(AgentProtocol.MAX_STRINGS + 1).frame(AgentProtocol.EXEC);
        assertThrows(AgentProtocolException.class, () -> new Payload.Reader(manyStrs).strs());
        Frame lyingCount = new Payload.Writer().u32(4000).frame(AgentProtocol.EXEC);
        assertThrows(AgentProtocolException.class, () -> new Payload.Reader(lyingCount).strs());
        Frame bigU32 = new Payload.Writer().u32(0x80000000L).frame(AgentProtocol.STARTED);
        assertThrows(AgentProtocolException.class, () -> new Payload.Reader(bigU32).u32());
    }

    @Test
    void errorFrameDecodes() throws IOException {
        Frame f = new Payload.Writer()
                .u32(127)
                .str("exec: \"x\": executable file not found in $PATH")
                .frame(AgentProtocol.ERROR);
        AgentException e = FrameCodec.error(f);
        assertEquals(127, e.code());
        assertTrue(e.getMessage().startsWith("exec: \"x\""));
    }

    @Test
    void helloValidation() throws IOException {
        Frame ok = new Payload.Writer().u32(1).str("0.1.0").u64(123).frame(AgentProtocol.HELLO);
        assertEquals(
                new Hello(1, "0.1.0", 123),
                Hello.read(channelOf(FrameCodec.encode(ok.type(), ok.payload(), 0, ok.payload().length))));
        assertFalse(new Hello(1, "0.1.0", 123).supportsContainers());
        Frame v2 = new Payload.Writer().u32(2).str("x").u64(0).frame(AgentProtocol.HELLO);
        assertTrue(Hello.read(channelOf(FrameCodec.encode(v2.type(), v2.payload(), 0, v2.payload().length)))
                .supportsContainers());
        for (int v : new int[] {0, 3}) {
            Frame bad = new Payload.Writer().u32(v).str("x").u64(0).frame(AgentProtocol.HELLO);
            assertThrows(
                    AgentProtocolException.class,
                    () -> Hello.read(channelOf(FrameCodec.encode(bad.type(), bad.payload(), 0, bad.payload().length))));
        }
        assertThrows(
                AgentProtocolException.class,
                () -> Hello.read(channelOf(FrameCodec.encode(AgentProtocol.OK, new byte[0], 0, 0))));
        assertThrows(EOFException.class, () -> Hello.read(channelOf(new byte[0])));
    }

    static AgentChannel channelOf(byte[] bytes) {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return new AgentChannel() {
            @Override
            public InputStream input() {
                return in;
            }

            @Override
            public OutputStream output() {
                return out;
            }

            @Override
            public void shutdownOutput() {}

            @Override
            public void close() {}
        };
    }

    @Test
    void execRequestValidation() {
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of());
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of("a\0b"));
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of("ls").withEnv(List.of("NOEQUALS")));
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of("ls").withCwd("relative"));
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of("ls").withSize(70000, 1));
    }
}
