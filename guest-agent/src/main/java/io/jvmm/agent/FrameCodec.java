package io.jvmm.agent;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Reads and writes frames. Reading is strict: the header is validated before anything is allocated,
 * so a hostile peer can make us allocate at most {@link AgentProtocol#MAX_PAYLOAD} per frame, and
 * every malformation (including a frame cut short by the end of the stream) is an
 * {@link AgentProtocolException}.
 */
public final class FrameCodec {
    private FrameCodec() {}

    /** Reads one frame; {@code null} when the stream ends cleanly at a frame boundary. */
    public static Frame read(InputStream in) throws IOException {
        byte[] h = in.readNBytes(AgentProtocol.HEADER_SIZE);
        if (h.length == 0) return null;
        if (h.length < AgentProtocol.HEADER_SIZE)
            throw new AgentProtocolException("truncated frame header (" + h.length + " of 8 bytes)");
        int version = h[0] & 0xff, type = h[1] & 0xff, flags = (h[2] & 0xff) | (h[3] & 0xff) << 8;
        long len = (h[4] & 0xffL) | (h[5] & 0xffL) << 8 | (h[6] & 0xffL) << 16 | (h[7] & 0xffL) << 24;
        if (version != AgentProtocol.VERSION) throw new AgentProtocolException("unsupported frame version " + version);
        if (flags != 0) throw new AgentProtocolException("non-zero frame flags 0x" + Integer.toHexString(flags));
        if (len > AgentProtocol.MAX_PAYLOAD)
            throw new AgentProtocolException("frame payload of " + len + " bytes exceeds the 1 MiB limit");
        if (!AgentProtocol.isKnownType(type))
            throw new AgentProtocolException("unknown frame type " + AgentProtocol.typeName(type));
        // readNBytes grows its buffer as bytes arrive, so a lying length costs nothing up front.
        byte[] payload = in.readNBytes((int) len);
        if (payload.length != len)
            throw new AgentProtocolException("truncated " + AgentProtocol.typeName(type) + " payload (" + payload.length
                    + " of " + len + " bytes)");
        return new Frame(type, payload);
    }

    /** Reads a frame and fails unless it has one of the {@code expected} types. */
    public static Frame readExpecting(InputStream in, String context, int... expected) throws IOException {
        Frame f = read(in);
        if (f == null) throw new EOFException("agent closed the connection during " + context);
        for (int t : expected) if (f.type() == t) return f;
        throw new AgentProtocolException("unexpected " + AgentProtocol.typeName(f.type()) + " frame during " + context);
    }

    /** The encoded frame: header and payload in one array, so it can leave in one write. */
    public static byte[] encode(int type, byte[] payload, int off, int len) {
        if (len < 0 || len > AgentProtocol.MAX_PAYLOAD) throw new IllegalArgumentException("payload length " + len);
        if (type < 0 || type > 0xff) throw new IllegalArgumentException("frame type " + type);
        byte[] b = new byte[AgentProtocol.HEADER_SIZE + len];
        b[0] = AgentProtocol.VERSION;
        b[1] = (byte) type;
        b[4] = (byte) len;
        b[5] = (byte) (len >>> 8);
        b[6] = (byte) (len >>> 16);
        b[7] = (byte) (len >>> 24);
        System.arraycopy(payload, off, b, AgentProtocol.HEADER_SIZE, len);
        return b;
    }

    public static void write(OutputStream out, int type, byte[] payload, int off, int len) throws IOException {
        out.write(encode(type, payload, off, len));
        out.flush();
    }

    public static void write(OutputStream out, Frame f) throws IOException {
        write(out, f.type(), f.payload(), 0, f.payload().length);
    }

    public static void write(OutputStream out, int type, byte[] payload) throws IOException {
        write(out, type, payload, 0, payload.length);
    }

    /** The payload of an ERROR frame as an exception. */
    static AgentException error(Frame f) throws AgentProtocolException {
        Payload.Reader r = new Payload.Reader(f);
        int code = r.u32();
        String msg = r.str();
        r.end();
        return new AgentException(code, msg);
    }
}
