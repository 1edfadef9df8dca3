package io.jvmm.shim.ttrpc;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * One ttrpc message frame (ttrpc PROTOCOL.md): a 10-byte header, data length and stream id as big-endian
 * unsigned 32-bit integers, a type byte and a flags byte, then the data. Data is at most 4 MiB, so the
 * first header byte is always zero.
 */
public record Frame(int streamId, byte type, byte flags, byte[] data) {
    public static final int HEADER_BYTES = 10;
    public static final int MAX_DATA = 4 << 20;

    public static final byte REQUEST = 1;
    public static final byte RESPONSE = 2;
    public static final byte DATA = 3;

    /** Request and data flag: the sender sends nothing more on this stream. */
    public static final byte REMOTE_CLOSED = 1;
    /** Request flag: the sender goes on sending data (a client stream). */
    public static final byte REMOTE_OPEN = 2;
    /** Data flag: the frame carries no data. */
    public static final byte NO_DATA = 4;

    public Frame {
        if (data.length > MAX_DATA)
            throw new IllegalArgumentException("ttrpc frame data of " + data.length + " bytes exceeds 4 MiB");
    }

    /**
     * Reads one frame; {@code null} at a clean end of stream (before any header byte). A frame whose
     * length exceeds {@link #MAX_DATA} is skipped whole, so the stream stays in step, and reported as
     * {@link Oversized}.
     */
    public static Frame read(ReadableByteChannel in) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        if (!fill(in, header, true)) return null;
        header.flip();
        long length = Integer.toUnsignedLong(header.getInt());
        int streamId = header.getInt();
        byte type = header.get();
        byte flags = header.get();
        if (length > MAX_DATA) {
            skip(in, length);
            throw new Oversized(streamId, type, length);
        }
        ByteBuffer data = ByteBuffer.allocate((int) length);
        fill(in, data, false);
        return new Frame(streamId, type, flags, data.array());
    }

    /** Writes the frame with one gathering write loop; callers serialise writers of one channel. */
    public void write(WritableByteChannel out) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES)
                .putInt(data.length)
                .putInt(streamId)
                .put(type)
                .put(flags)
                .flip();
        ByteBuffer body = ByteBuffer.wrap(data);
        while (header.hasRemaining()) out.write(header);
        while (body.hasRemaining()) out.write(body);
    }

    /** A frame announced more than {@link #MAX_DATA} bytes; its data was read and dropped. */
    public static final class Oversized extends IOException {
        private final int streamId;
        private final byte type;

        Oversized(int streamId, byte type, long length) {
            super("ttrpc frame on stream " + Integer.toUnsignedString(streamId) + " has " + length
                    + " bytes of data, more than the 4 MiB limit");
            this.streamId = streamId;
            this.type = type;
        }

        public int streamId() {
            return streamId;
        }

        public byte type() {
            return type;
        }
    }

    private static boolean fill(ReadableByteChannel in, ByteBuffer buf, boolean eofAllowedAtStart) throws IOException {
        while (buf.hasRemaining()) {
            if (in.read(buf) < 0) {
                if (eofAllowedAtStart && buf.position() == 0) return false;
                throw new EOFException(
                        "ttrpc connection closed inside a frame (" + buf.position() + " of " + buf.limit() + " bytes)");
            }
        }
        return true;
    }

    private static void skip(ReadableByteChannel in, long length) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(64 << 10);
        while (length > 0) {
            sink.clear().limit((int) Math.min(sink.capacity(), length));
            int n = in.read(sink);
            if (n < 0) throw new EOFException("ttrpc connection closed inside an oversized frame");
            length -= n;
        }
    }
}
