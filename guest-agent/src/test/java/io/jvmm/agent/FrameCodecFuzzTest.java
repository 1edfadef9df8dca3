package io.jvmm.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Jazzer target for the host side of the agent protocol: whatever bytes a (hostile) agent sends,
 * only the documented {@link IOException}s come out ({@link AgentProtocolException},
 * {@link AgentException}, {@link java.io.EOFException}), and what the host allocates is bounded by
 * what arrived, not by the lengths the agent claims. The jqwik {@link FrameFuzzTest} samples the
 * same space at random; this one is coverage-guided.
 *
 * <p>A plain build runs the inputs in {@code FrameCodecFuzzTestInputs/fromAgent} (resources);
 * {@code -Pfuzz} fuzzes (module README, Fuzzing).
 */
class FrameCodecFuzzTest {
    /**
     * What one read or parse may allocate beyond {@link #ALLOCATION_PER_BYTE} per byte it consumed:
     * a read buffer, an exception and its stack trace. A length field must not move this.
     */
    static final long ALLOCATION_SLACK = 64 << 10;
    /** Per byte consumed: the frame, its payload copy, and the strings decoded from it. */
    static final long ALLOCATION_PER_BYTE = 16;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Byte 0 picks what the host does with the rest, which is everything the agent sends on one
     * connection: {@link Op#DECODE} reads frames (byte 1 caps how many bytes each read() returns,
     * as a socket splits them) and parses each as every payload the host understands; the others
     * are the client's operations. Only IOExceptions may escape, none wrapped around a
     * RuntimeException; what decoding allocates is bounded by the bytes that arrived; a copy out
     * delivers exactly what the agent announced.
     */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void fromAgent(byte[] input) throws IOException, InterruptedException {
        Op op = Op.values()[input.length == 0 ? 0 : (input[0] & 0xff) % Op.values().length];
        if (op == Op.DECODE) {
            decodeAll(input, false);
            // Measured on a second pass: the first links call sites and loads classes, which
            // allocates far more than decoding does.
            decodeAll(input, true);
            return;
        }
        FakeChannel ch = new FakeChannel(new ChunkedStream(input, 1, 4096));
        try {
            run(op, new AgentClient(() -> ch), ch);
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof RuntimeException || t instanceof Error) throw new AssertionError("wrapped " + t, e);
            }
        }
    }

    private static void decodeAll(byte[] input, boolean measure) throws IOException {
        ChunkedStream in = new ChunkedStream(input, 2, input.length < 2 ? 256 : (input[1] & 0xff) + 1);
        while (true) {
            long before = THREADS.getCurrentThreadAllocatedBytes(), at = in.position();
            Frame f;
            try {
                f = FrameCodec.read(in);
            } catch (AgentProtocolException expected) {
                f = null; // the one failure a malformed stream may cause
            }
            if (measure) checkAllocation("reading a frame", before, in.position() - at);
            if (f == null) return;
            before = THREADS.getCurrentThreadAllocatedBytes();
            parseAsEverything(f);
            if (measure) checkAllocation("parsing a payload", before, f.payload().length);
        }
    }

    private static void checkAllocation(String what, long before, long bytes) {
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(
                allocated <= ALLOCATION_SLACK + ALLOCATION_PER_BYTE * bytes,
                what + " allocated " + allocated + " bytes for " + bytes + " bytes received");
    }

    /** Every payload layout the host parses (PROTOCOL.md), on any frame: each one's only failure is a protocol error. */
    private static void parseAsEverything(Frame f) {
        try {
            FrameCodec.error(f);
        } catch (AgentProtocolException ignored) {
        }
        try {
            Payload.Reader r = new Payload.Reader(f);
            r.u32L();
            r.str();
            r.u64();
            r.end();
        } catch (AgentProtocolException ignored) {
        }
        try {
            Payload.Reader r = new Payload.Reader(f);
            r.i32();
            r.i32();
            r.end();
        } catch (AgentProtocolException ignored) {
        }
        try {
            Payload.Reader r = new Payload.Reader(f);
            r.u32();
            r.end();
        } catch (AgentProtocolException ignored) {
        }
        try {
            Payload.Reader r = new Payload.Reader(f);
            r.u32L();
            r.u64();
            r.end();
        } catch (AgentProtocolException ignored) {
        }
        try {
            Payload.Reader r = new Payload.Reader(f);
            r.u32();
            r.u16();
            r.u16();
            r.str();
            r.str();
            r.strs();
            r.strs();
            r.end();
        } catch (AgentProtocolException ignored) {
        }
    }

    enum Op {
        DECODE,
        PING,
        POWEROFF,
        COPY_OUT,
        COPY_IN,
        RUN,
        HELLO
    }

    private static void run(Op op, AgentClient client, FakeChannel ch) throws IOException, InterruptedException {
        switch (op) {
            case PING -> client.ping();
            case POWEROFF -> client.poweroff(Duration.ofSeconds(1));
            case COPY_OUT -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                long n = client.copyOut("/f", out);
                assertEquals(n, out.size());
            }
            case COPY_IN -> client.copyIn(new ByteArrayInputStream(new byte[100]), "/f", 0644);
            case RUN -> {
                ExecResult r = client.run(ExecRequest.of("true"), new byte[10]);
                assertTrue(r.stdout().length <= AgentClient.CAPTURE_LIMIT
                        && r.stderr().length <= AgentClient.CAPTURE_LIMIT);
            }
            case HELLO -> Hello.read(ch);
            case DECODE -> throw new IllegalArgumentException("not a client operation");
        }
    }

    /** Returns {@code data[from..]} at most {@code chunk} bytes per read, as a socket may. */
    static final class ChunkedStream extends InputStream {
        private final byte[] data;
        private final int chunk;
        private int pos;

        ChunkedStream(byte[] data, int from, int chunk) {
            this.data = data;
            this.chunk = chunk;
            this.pos = Math.min(from, data.length);
        }

        int position() {
            return pos;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) return 0;
            if (pos >= data.length) return -1;
            int n = Math.min(Math.min(len, chunk), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /** One connection whose input is fixed and whose output is dropped. */
    static final class FakeChannel implements AgentChannel {
        private final InputStream in;

        FakeChannel(InputStream in) {
            this.in = in;
        }

        @Override
        public InputStream input() {
            return in;
        }

        @Override
        public OutputStream output() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public void shutdownOutput() {}

        @Override
        public void close() {}
    }

    // ---------------------------------------------------------------------------------------------
    // Seeds: well-formed conversations, written by SeedWriter.main and checked here, so the fuzzer
    // starts past the header checks and every operation's success path stays covered.

    private static final Path SEEDS = Path.of("src/test/resources/io/jvmm/agent/FrameCodecFuzzTestInputs/fromAgent");

    @Test
    void seedsAreWellFormedConversations() throws Exception {
        for (var e : SeedWriter.seeds().entrySet()) {
            assertArrayEquals(
                    e.getValue(),
                    Files.readAllBytes(SEEDS.resolve(e.getKey())),
                    e.getKey() + " differs from SeedWriter's");
        }
        for (Op op : Op.values()) {
            if (op == Op.DECODE) continue;
            byte[] seed = SeedWriter.seeds().get(op.name().toLowerCase());
            FakeChannel ch = new FakeChannel(new ChunkedStream(seed, 1, 4096));
            run(op, new AgentClient(() -> ch), ch); // succeeds: no exception
            assertEquals(-1, ch.input().read(), op + ": the whole seed is consumed");
        }
        byte[] frames = SeedWriter.seeds().get("decode-every-type");
        InputStream in = new ChunkedStream(frames, 2, 7);
        int n = 0;
        while (FrameCodec.read(in) != null) n++;
        assertEquals(SeedWriter.EVERY_TYPE, n);
    }

    /** Builds the seed inputs; {@code main} writes them into the inputs directories. */
    static final class SeedWriter {
        static final int EVERY_TYPE = 8;

        static Map<String, byte[]> seeds() throws IOException {
            Map<String, byte[]> s = new TreeMap<>();
            s.put(
                    "decode-every-type",
                    conversation(
                            new byte[] {(byte) Op.DECODE.ordinal(), 6},
                            new Payload.Writer()
                                    .u32(1)
                                    .str("0.2.0")
                                    .u64(123456789)
                                    .frame(AgentProtocol.HELLO),
                            new Payload.Writer().u32(42).frame(AgentProtocol.STARTED),
                            new Frame(AgentProtocol.STDOUT, "out".getBytes()),
                            new Frame(AgentProtocol.STDERR, "err".getBytes()),
                            new Payload.Writer().i32(0).i32(0).frame(AgentProtocol.EXIT),
                            new Payload.Writer()
                                    .u32(2)
                                    .str("No such file or directory")
                                    .frame(AgentProtocol.ERROR),
                            new Payload.Writer().u32(0100644).u64(3).frame(AgentProtocol.STAT),
                            new Payload.Writer()
                                    .u32(7)
                                    .u16(24)
                                    .u16(80)
                                    .str("root")
                                    .str("/")
                                    .strs(List.of("sh", "-c", "x"))
                                    .strs(List.of("A=1"))
                                    .frame(AgentProtocol.EXEC)));
            s.put("ping", conversation(Op.PING, new Frame(AgentProtocol.OK, new byte[0])));
            s.put("poweroff", conversation(Op.POWEROFF, new Frame(AgentProtocol.OK, new byte[0])));
            s.put(
                    "copy_out",
                    conversation(
                            Op.COPY_OUT,
                            new Payload.Writer().u32(0100644).u64(5).frame(AgentProtocol.STAT),
                            new Frame(AgentProtocol.DATA, "ab".getBytes()),
                            new Frame(AgentProtocol.DATA, "cde".getBytes()),
                            new Frame(AgentProtocol.DATA, new byte[0])));
            s.put(
                    "copy_in",
                    conversation(Op.COPY_IN, new Payload.Writer().u64(100).frame(AgentProtocol.OK)));
            s.put(
                    "run",
                    conversation(
                            Op.RUN,
                            new Payload.Writer().u32(42).frame(AgentProtocol.STARTED),
                            new Frame(AgentProtocol.STDOUT, "hello\n".getBytes()),
                            new Frame(AgentProtocol.STDERR, "oops\n".getBytes()),
                            new Payload.Writer().i32(1).i32(0).frame(AgentProtocol.EXIT)));
            s.put(
                    "hello",
                    conversation(
                            Op.HELLO,
                            new Payload.Writer().u32(1).str("0.2.0").u64(1000).frame(AgentProtocol.HELLO)));
            return s;
        }

        private static byte[] conversation(Op op, Frame... frames) throws IOException {
            return conversation(new byte[] {(byte) op.ordinal()}, frames);
        }

        private static byte[] conversation(byte[] head, Frame... frames) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(head);
            for (Frame f : frames) FrameCodec.write(out, f);
            return out.toByteArray();
        }

        public static void main(String[] args) throws IOException {
            for (var e : seeds().entrySet()) {
                Path p = SEEDS.resolve(e.getKey());
                Files.createDirectories(p.getParent());
                Files.write(p, e.getValue());
            }
        }
    }
}
