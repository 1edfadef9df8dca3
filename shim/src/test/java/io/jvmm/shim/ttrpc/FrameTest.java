package io.jvmm.shim.ttrpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FrameTest {
    private static byte[] encode(Frame f) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        f.write(Channels.newChannel(out));
        return out.toByteArray();
    }

    private static ReadableByteChannel in(byte[] bytes) {
        return Channels.newChannel(new ByteArrayInputStream(bytes));
    }

    @Test
    void headerIsLengthStreamTypeFlagsBigEndian() throws IOException {
        byte[] wire = encode(new Frame(0x01020305, Frame.REQUEST, Frame.REMOTE_CLOSED, new byte[] {7, 8, 9}));
        assertArrayEquals(new byte[] {0, 0, 0, 3, 1, 2, 3, 5, 1, 1, 7, 8, 9}, wire);
    }

    @Test
    void roundTripsAndEndsCleanlyBetweenFrames() throws IOException {
        Frame a = new Frame(1, Frame.REQUEST, (byte) 0, "hello".getBytes());
        Frame b = new Frame(3, Frame.DATA, (byte) (Frame.REMOTE_CLOSED | Frame.NO_DATA), new byte[0]);
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.write(encode(a));
        both.write(encode(b));
        ReadableByteChannel ch = in(both.toByteArray());
        Frame ra = Frame.read(ch);
        assertEquals(1, ra.streamId());
        assertArrayEquals("hello".getBytes(), ra.data());
        Frame rb = Frame.read(ch);
        assertEquals(Frame.DATA, rb.type());
        assertEquals(5, rb.flags());
        assertEquals(0, rb.data().length);
        assertNull(Frame.read(ch));
    }

    @Test
    void streamIdIsUnsigned() throws IOException {
        byte[] wire = encode(new Frame(-1, Frame.RESPONSE, (byte) 0, new byte[0]));
        assertEquals(0xffffffff, Frame.read(in(wire)).streamId());
        assertEquals(0xff, wire[4] & 0xff);
    }

    @Test
    void endInsideHeaderOrDataIsAnError() throws IOException {
        byte[] wire = encode(new Frame(1, Frame.REQUEST, (byte) 0, new byte[] {1, 2, 3, 4}));
        assertThrows(EOFException.class, () -> Frame.read(in(Arrays.copyOf(wire, 5))));
        assertThrows(EOFException.class, () -> Frame.read(in(Arrays.copyOf(wire, 12))));
    }

    @Test
    void oversizedFrameIsSkippedWholeAndTheNextOneReads() throws IOException {
        int big = Frame.MAX_DATA + 1;
        ByteBuffer wire = ByteBuffer.allocate(10 + big + 11);
        wire.putInt(big).putInt(7).put(Frame.REQUEST).put((byte) 0).position(10 + big);
        wire.put(encode(new Frame(9, Frame.REQUEST, (byte) 0, new byte[] {42})));
        ReadableByteChannel ch = in(wire.array());
        Frame.Oversized e = assertThrows(Frame.Oversized.class, () -> Frame.read(ch));
        assertEquals(7, e.streamId());
        assertEquals(Frame.REQUEST, e.type());
        Frame next = Frame.read(ch);
        assertEquals(9, next.streamId());
        assertArrayEquals(new byte[] {42}, next.data());
    }

    @Test
    void dataOverFourMebibytesIsRefusedOnWrite() {
        assertThrows(
                IllegalArgumentException.class, () -> new Frame(1, Frame.DATA, (byte) 0, new byte[Frame.MAX_DATA + 1]));
    }

    @Test
    void fourMebibytesExactlyIsAllowed() throws IOException {
        byte[] wire = encode(new Frame(1, Frame.DATA, (byte) 0, new byte[Frame.MAX_DATA]));
        assertEquals(0, wire[0]);
        assertEquals(Frame.MAX_DATA, Frame.read(in(wire)).data().length);
    }
}
