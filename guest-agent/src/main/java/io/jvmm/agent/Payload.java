package io.jvmm.agent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The payload building blocks: little-endian integers, {@code str} and {@code strs}. */
public final class Payload {
    private Payload() {}

    /** Parses a payload; every read is bounds-checked and {@link #end()} rejects trailing bytes. */
    public static final class Reader {
        private final byte[] b;
        private final String what;
        private int pos;

        public Reader(Frame f) {
            this.b = f.payload();
            this.what = AgentProtocol.typeName(f.type());
        }

        private AgentProtocolException bad(String why) {
            return new AgentProtocolException("malformed " + what + " payload: " + why);
        }

        private void need(long n) throws AgentProtocolException {
            if (n > b.length - pos)
                throw bad("needs " + n + " more bytes at offset " + pos + ", has " + (b.length - pos));
        }

        public int u16() throws AgentProtocolException {
            need(2);
            int v = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8;
            pos += 2;
            return v;
        }

        /** An unsigned 32-bit value; callers that need an int range check it. */
        public long u32L() throws AgentProtocolException {
            need(4);
            long v = (b[pos] & 0xffL)
                    | (b[pos + 1] & 0xffL) << 8
                    | (b[pos + 2] & 0xffL) << 16
                    | (b[pos + 3] & 0xffL) << 24;
            pos += 4;
            return v;
        }

        public int u32() throws AgentProtocolException {
            long v = u32L();
            if (v > Integer.MAX_VALUE) throw bad("value " + v + " out of range");
            return (int) v;
        }

        public int i32() throws AgentProtocolException {
            return (int) u32L();
        }

        public long u64() throws AgentProtocolException {
            long lo = u32L();
            long hi = u32L();
            return lo | hi << 32;
        }

        public String str() throws AgentProtocolException {
            long n = u32L();
            if (n > AgentProtocol.MAX_STRING) throw bad("string of " + n + " bytes exceeds 64 KiB");
            need(n);
            for (int i = 0; i < n; i++) if (b[pos + i] == 0) throw bad("NUL byte in string");
            // Lenient decoding: the agent reports paths and strerror texts, which need not be UTF-8.
            String s = new String(b, pos, (int) n, StandardCharsets.UTF_8);
            pos += (int) n;
            return s;
        }

        public List<String> strs() throws AgentProtocolException {
            long n = u32L();
            if (n > AgentProtocol.MAX_STRINGS) throw bad("string list of " + n + " entries exceeds 4096");
            need(n * 4);
            List<String> l = new ArrayList<>((int) n);
            for (int i = 0; i < n; i++) l.add(str());
            return l;
        }

        public void end() throws AgentProtocolException {
            if (pos != b.length) throw bad((b.length - pos) + " trailing bytes");
        }
    }

    /** Builds a payload. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Writer u16(int v) {
            if (v < 0 || v > 0xffff) throw new IllegalArgumentException("u16 out of range: " + v);
            out.write(v);
            out.write(v >>> 8);
            return this;
        }

        public Writer u32(long v) {
            if (v < 0 || v > 0xffffffffL) throw new IllegalArgumentException("u32 out of range: " + v);
            out.write((int) v);
            out.write((int) (v >>> 8));
            out.write((int) (v >>> 16));
            out.write((int) (v >>> 24));
            return this;
        }

        public Writer i32(int v) {
            return u32(v & 0xffffffffL);
        }

        public Writer u64(long v) {
            u32(v & 0xffffffffL);
            return u32(v >>> 32);
        }

        public Writer str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > AgentProtocol.MAX_STRING) throw new IllegalArgumentException("string longer than 64 KiB");
            if (s.indexOf('\0') >= 0) throw new IllegalArgumentException("string contains a NUL character");
            u32(b.length);
            out.writeBytes(b);
            return this;
        }

        public Writer strs(List<String> l) {
            if (l.size() > AgentProtocol.MAX_STRINGS) throw new IllegalArgumentException("more than 4096 strings");
            u32(l.size());
            for (String s : l) str(s);
            return this;
        }

        public Writer bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        public byte[] toByteArray() {
            byte[] b = out.toByteArray();
            if (b.length > AgentProtocol.MAX_PAYLOAD) throw new IllegalArgumentException("payload exceeds 1 MiB");
            return b;
        }

        public Frame frame(int type) {
            return new Frame(type, toByteArray());
        }
    }
}
