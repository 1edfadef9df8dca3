package io.jvmm.agent;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Whatever bytes arrive, the reader returns frames, null at EOF, or AgentProtocolException. */
class FrameFuzzTest {
    private static void drain(byte[] bytes) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        try {
            for (int i = 0; i < 10_000; i++) {
                Frame f = FrameCodec.read(in);
                if (f == null) return;
                // Parsing payloads as each type must also fail only with AgentProtocolException.
                parseAsEverything(f);
            }
        } catch (AgentProtocolException expected) {
            // the only allowed failure
        }
    }

    private static void parseAsEverything(Frame f) {
        try {
            FrameCodec.error(f);
        } catch (AgentProtocolException ignored) {
        }
        try {
            Payload.Reader r = new Payload.Reader(f);
            r.u32();
            r.str();
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

    @Property(tries = 2000)
    void garbageOnlyYieldsProtocolErrors(@ForAll @Size(max = 300) byte[] bytes) throws IOException {
        drain(bytes);
    }

    @Provide
    Arbitrary<byte[]> plausibleFrames() {
        // Mostly valid headers with random types, lengths and payloads, to get past the header checks.
        return Arbitraries.integers()
                .between(0, 3)
                .flatMap(v -> Arbitraries.of(0x01, 0x11, 0x12, 0x13, 0x14, 0x31, 0x33, 0x7e, 0x7f, 0x99)
                        .flatMap(type -> Arbitraries.bytes()
                                .array(byte[].class)
                                .ofMaxSize(200)
                                .flatMap(payload -> Arbitraries.integers()
                                        .between(-3, 3)
                                        .map(delta -> {
                                            long len = Math.max(0, payload.length + delta);
                                            byte[] b = new byte[8 + payload.length];
                                            b[0] = (byte) (v == 0 ? 2 : 1);
                                            b[1] = (byte) (int) type;
                                            b[4] = (byte) len;
                                            b[5] = (byte) (len >> 8);
                                            System.arraycopy(payload, 0, b, 8, payload.length);
                                            return b;
                                        }))));
    }

    @Property(tries = 2000)
    void plausibleFramesOnlyYieldProtocolErrors(@ForAll("plausibleFrames") byte[] bytes) throws IOException {
        drain(bytes);
    }
}
