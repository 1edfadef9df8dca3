package io.jvmm.fuse;

import static io.jvmm.fuse.FuseAbi.*;

import io.jvmm.kvm.sys.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Plays the guest kernel's FUSE client against a {@link FuseServer} directly (no virtqueue): builds
 * requests in native memory, as guest RAM is, and decodes replies.
 */
final class FuseClient implements AutoCloseable {
    final FuseServer server;
    private final Arena arena = Arena.ofShared();
    private long unique = 1;
    int uid, gid;

    FuseClient(FuseServer server) {
        this.server = server;
    }

    /** A request body under construction (little-endian). */
    static final class Body {
        private ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);

        private Body room(int n) {
            if (b.remaining() < n) {
                ByteBuffer g = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n))
                        .order(ByteOrder.LITTLE_ENDIAN);
                b.flip();
                g.put(b);
                b = g;
            }
            return this;
        }

        Body u32(int v) {
            room(4).b.putInt(v);
            return this;
        }

        Body u64(long v) {
            room(8).b.putLong(v);
            return this;
        }

        Body bytes(byte[] v) {
            room(v.length).b.put(v);
            return this;
        }

        Body name(String s) {
            return bytes(s.getBytes(StandardCharsets.UTF_8)).bytes(new byte[1]);
        }

        Body zeros(int n) {
            return bytes(new byte[n]);
        }

        byte[] array() {
            return Arrays.copyOf(b.array(), b.position());
        }
    }

    static Body body() {
        return new Body();
    }

    /** A decoded reply: the error (a positive errno, 0 for success) and the payload after the header. */
    record Answer(int error, byte[] payload, int used) {
        ByteBuffer buf() {
            return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        }

        long u64(int at) {
            return buf().getLong(at);
        }

        int u32(int at) {
            return buf().getInt(at);
        }
        /** fuse_entry_out's node id. */
        long node() {
            return u64(0);
        }
        /** fuse_attr inside fuse_entry_out (at 40) or fuse_attr_out (at 16): mode, uid, gid, size. */
        int mode(int attrAt) {
            return u32(attrAt + 60);
        }

        int uid(int attrAt) {
            return u32(attrAt + 68);
        }

        int gid(int attrAt) {
            return u32(attrAt + 72);
        }

        long size(int attrAt) {
            return u64(attrAt + 8);
        }

        long fh() {
            return u64(0);
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    Answer call(int opcode, long node, byte[] body) {
        return call(opcode, node, body, 1 << 16);
    }

    Answer call(int opcode, long node, byte[] body, int replySize) {
        MemorySegment in = arena.allocate(IN_HEADER + body.length, 8);
        ByteBuffer h = ByteBuffer.allocate(IN_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        long u = unique++;
        h.putInt(IN_HEADER + body.length)
                .putInt(opcode)
                .putLong(u)
                .putLong(node)
                .putInt(uid)
                .putInt(gid)
                .putInt(4242);
        MemorySegment.copy(h.array(), 0, in, ValueLayout.JAVA_BYTE, 0, IN_HEADER);
        MemorySegment.copy(body, 0, in, ValueLayout.JAVA_BYTE, IN_HEADER, body.length);
        MemorySegment out = arena.allocate(replySize, 8);
        int used = server.handle(List.of(in), List.of(out));
        if (used == 0) return new Answer(0, new byte[0], 0);
        ByteBuffer r = out.asSlice(0, used).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int len = r.getInt(), error = r.getInt();
        if (len != used) throw new AssertionError("header says " + len + " bytes, used " + used);
        if (r.getLong() != u) throw new AssertionError("reply to another request");
        byte[] payload = new byte[used - OUT_HEADER];
        r.get(payload);
        return new Answer(-error, payload, used);
    }

    Answer init() {
        return init(KERNEL_VERSION, MINOR, 0xffff_ffff);
    }

    Answer init(int major, int minor, int flags) {
        return call(
                INIT,
                0,
                body().u32(major)
                        .u32(minor)
                        .u32(128 * 1024)
                        .u32(flags)
                        .u32(0)
                        .zeros(44)
                        .array());
    }

    Answer lookup(long parent, String name) {
        return call(LOOKUP, parent, body().name(name).array());
    }

    /** The node id of {@code name} in {@code parent}; fails the test on an error. */
    long node(long parent, String name) {
        return ok(lookup(parent, name)).node();
    }

    Answer getattr(long node) {
        return call(GETATTR, node, body().u32(0).u32(0).u64(0).array());
    }

    Answer mkdir(long parent, String name, int mode) {
        return call(MKDIR, parent, body().u32(mode).u32(0).name(name).array());
    }

    Answer mknod(long parent, String name, int mode, int rdev) {
        return call(
                MKNOD,
                parent,
                body().u32(mode).u32(rdev).u32(0).u32(0).name(name).array());
    }

    Answer symlink(long parent, String name, String target) {
        return call(SYMLINK, parent, body().name(name).name(target).array());
    }

    Answer create(long parent, String name, int flags, int mode) {
        return call(
                CREATE,
                parent,
                body().u32(flags).u32(0100000 | mode).u32(0).u32(0).name(name).array());
    }

    Answer open(long node, int flags) {
        return call(OPEN, node, body().u32(flags).u32(0).array());
    }

    Answer opendir(long node) {
        return call(OPENDIR, node, body().u32(0).u32(0).array());
    }

    Answer read(long node, long fh, long offset, int size) {
        return call(
                READ,
                node,
                body().u64(fh).u64(offset).u32(size).u32(0).u64(0).u32(0).u32(0).array(),
                size + OUT_HEADER);
    }

    Answer readdir(int opcode, long node, long fh, long offset, int size) {
        return call(
                opcode,
                node,
                body().u64(fh).u64(offset).u32(size).u32(0).u64(0).u32(0).u32(0).array(),
                size + OUT_HEADER);
    }

    Answer write(long node, long fh, long offset, byte[] data) {
        return write(node, fh, offset, data, 0);
    }

    Answer write(long node, long fh, long offset, byte[] data, int writeFlags) {
        return call(
                WRITE,
                node,
                body().u64(fh)
                        .u64(offset)
                        .u32(data.length)
                        .u32(writeFlags)
                        .u64(0)
                        .u32(0)
                        .u32(0)
                        .bytes(data)
                        .array());
    }

    Answer release(long node, long fh) {
        return call(RELEASE, node, body().u64(fh).u32(0).u32(0).u64(0).array());
    }

    Answer releasedir(long node, long fh) {
        return call(RELEASEDIR, node, body().u64(fh).u32(0).u32(0).u64(0).array());
    }

    Answer unlink(long parent, String name) {
        return call(UNLINK, parent, body().name(name).array());
    }

    Answer rmdir(long parent, String name) {
        return call(RMDIR, parent, body().name(name).array());
    }

    Answer rename2(long parent, String from, long newParent, String to, int flags) {
        return call(
                RENAME2,
                parent,
                body().u64(newParent).u32(flags).u32(0).name(from).name(to).array());
    }

    Answer link(long oldNode, long newParent, String name) {
        return call(LINK, newParent, body().u64(oldNode).name(name).array());
    }

    /** SETATTR with {@code valid} and the given fields (the others zero). */
    Answer setattr(long node, int valid, long fh, long size, long mtime, int mode, int uid, int gid) {
        return call(
                SETATTR,
                node,
                body().u32(valid)
                        .u32(0)
                        .u64(fh)
                        .u64(size)
                        .u64(0)
                        .u64(mtime)
                        .u64(mtime)
                        .u64(0)
                        .u32(0)
                        .u32(0)
                        .u32(0)
                        .u32(mode)
                        .u32(0)
                        .u32(uid)
                        .u32(gid)
                        .u32(0)
                        .array());
    }

    Answer forget(long node, long n) {
        return call(FORGET, node, body().u64(n).array());
    }

    static Answer ok(Answer a) {
        if (a.error() != 0) throw new AssertionError("unexpected error " + Errno.describe(a.error()));
        return a;
    }

    @Override
    public void close() {
        server.close();
        arena.close();
    }
}
