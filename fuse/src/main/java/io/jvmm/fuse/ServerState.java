package io.jvmm.fuse;

import io.jvmm.kvm.sys.FileStat;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.NativeException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's part of a VM snapshot: the node ids and file handles the guest holds, each node by
 * its path from the share's root (its last known location) and its device and inode number, each
 * handle by its node and open flags. Restoring re-opens every node by that path, one confined
 * openat2 per component, and every handle through its node:
 * <ul>
 * <li>same directory (the root's device and inode match): a node is accepted only if it is the same
 *     file (device, inode number, type), so files unchanged since the snapshot keep working, open
 *     ones included; a file removed, replaced or moved away since is stale (ESTALE on every use, so
 *     the guest drops it);
 * <li>another directory (the share copied or moved elsewhere): nodes are matched by path and type.
 * </ul>
 * Ids and handle numbers are kept, so the guest's kernel, restored with its memory, goes on.
 */
final class ServerState {
    private static final int MAGIC = 0x46555345; // "FUSE"
    private static final int VERSION = 1;
    private static final int MAX_DEPTH = 4096;

    private ServerState() {}

    /** Writes the tables. Caller holds the write lock (no request in flight). */
    static void write(Share s, boolean initialized, DataOutput out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeBoolean(initialized);
        out.writeBoolean(s.killPrivV2);
        Inode root = s.nodes.root();
        out.writeLong(root.dev);
        out.writeLong(root.ino);
        out.writeLong(s.nodes.nextId());
        List<Inode> nodes = s.nodes.all();
        out.writeInt(nodes.size());
        for (Inode n : nodes) {
            out.writeLong(n.nodeId);
            out.writeLong(n.lookups);
            out.writeInt(n.type);
            out.writeLong(n.dev);
            out.writeLong(n.ino);
            List<byte[]> path = path(s, n);
            out.writeInt(path == null ? -1 : path.size());
            if (path != null) {
                for (byte[] c : path) {
                    out.writeShort(c.length);
                    out.write(c);
                }
            }
        }
        List<OpenFile> handles = s.handles.all();
        out.writeLong(s.handles.next());
        out.writeInt(handles.size());
        for (OpenFile f : handles) {
            out.writeLong(f.fh());
            out.writeLong(f.node().nodeId);
            out.writeBoolean(f.directory());
            out.writeBoolean(f.writable());
            out.writeInt(f.flags());
        }
    }

    /** The names from the root to {@code n}, or null when its location is unknown. */
    private static List<byte[]> path(Share s, Inode n) {
        List<byte[]> names = new ArrayList<>();
        for (Inode at = n; at != s.nodes.root(); at = at.parent) {
            if (at == null || at.name == null || names.size() > MAX_DEPTH) return null;
            names.add(0, at.name);
        }
        return names;
    }

    private record Saved(long id, long lookups, int type, long dev, long ino, List<byte[]> path) {}

    /** Reads what {@link #write} wrote into an empty server; returns whether the guest had sent INIT. */
    static boolean read(Share s, DataInput in) throws IOException {
        if (in.readInt() != MAGIC) throw new IOException("virtio-fs state: not a FUSE server state");
        int version = in.readInt();
        if (version != VERSION)
            throw new IOException("virtio-fs state: version " + version + ", this build reads " + VERSION);
        boolean initialized = in.readBoolean();
        s.killPrivV2 = in.readBoolean();
        Inode root = s.nodes.root();
        boolean sameDirectory = in.readLong() == root.dev & in.readLong() == root.ino;
        long nextId = in.readLong();
        int count = in.readInt();
        if (count < 0) throw new IOException("virtio-fs state: " + count + " nodes");
        List<Saved> saved = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long id = in.readLong(), lookups = in.readLong();
            int type = in.readInt();
            long dev = in.readLong(), ino = in.readLong();
            int depth = in.readInt();
            if (depth > MAX_DEPTH) throw new IOException("virtio-fs state: a path " + depth + " names deep");
            List<byte[]> path = depth < 0 ? null : new ArrayList<>();
            for (int k = 0; k < depth; k++) {
                byte[] c = new byte[in.readUnsignedShort()];
                in.readFully(c);
                path.add(c);
            }
            if (id <= FuseAbi.ROOT_ID || id >= nextId)
                throw new IOException("virtio-fs state: node id " + id + " out of range");
            saved.add(new Saved(id, lookups, type, dev, ino, path));
        }
        // Parents first, so a directory node is the same object its children's locations point to.
        saved.sort(Comparator.comparingInt(
                n -> n.path() == null ? Integer.MAX_VALUE : n.path().size()));
        Map<String, Inode> byPath = new HashMap<>();
        for (Saved n : saved) {
            Inode found = reopen(s, n, sameDirectory, byPath);
            s.nodes.restore(found, n.lookups(), nextId);
            if (s.nodes.overBound()) s.nodes.evict();
        }
        long nextFh = in.readLong();
        int handles = in.readInt();
        for (int i = 0; i < handles; i++) {
            long fh = in.readLong(), nodeId = in.readLong();
            boolean directory = in.readBoolean(), writable = in.readBoolean();
            int flags = in.readInt();
            Inode node;
            try {
                node = s.nodes.get(nodeId);
            } catch (FuseError unknown) {
                continue; // a handle of a node the guest no longer held: nothing can name it
            }
            int fd;
            try {
                fd = s.reopen(node, flags);
            } catch (FuseError gone) {
                fd = -1;
            }
            s.handles.restore(new OpenFile(fh, node, fd, directory, writable, flags), nextFh);
        }
        return initialized;
    }

    /** The node re-opened at its path, or a stale one (no descriptor, no location). */
    private static Inode reopen(Share s, Saved n, boolean sameDirectory, Map<String, Inode> byPath) {
        Inode stale = new Inode(n.id(), n.dev(), n.ino(), n.type(), null, null, -1);
        if (n.path() == null || n.path().isEmpty()) return stale;
        Inode parent = s.nodes.root();
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < n.path().size(); i++) {
            byte[] name = n.path().get(i);
            key.append('/').append(new String(name, StandardCharsets.ISO_8859_1));
            boolean last = i == n.path().size() - 1;
            Inode known = byPath.get(key.toString());
            if (known != null && !last) {
                parent = known;
                continue;
            }
            long fd;
            try {
                fd = FileSyscalls.openat2(s.fd(parent), name, NodeTable.O_PATH_FLAGS, 0, NodeTable.CONFINED);
            } catch (FuseError e) {
                return stale;
            }
            if (fd < 0) return stale;
            FileStat st;
            try {
                st = FileSyscalls.stat((int) fd);
            } catch (NativeException e) {
                FileSyscalls.close((int) fd);
                return stale;
            }
            if (last) {
                boolean same = st.type() == n.type() && (!sameDirectory || st.dev() == n.dev() && st.ino() == n.ino());
                if (!same) {
                    FileSyscalls.close((int) fd);
                    return stale;
                }
                Inode node = new Inode(n.id(), st.dev(), st.ino(), st.type(), parent, name, (int) fd);
                byPath.put(key.toString(), node);
                return node;
            }
            Inode between = new Inode(0, st.dev(), st.ino(), st.type(), parent, name, (int) fd);
            s.nodes.adopt(between);
            byPath.put(key.toString(), between);
            parent = between;
        }
        return stale;
    }
}
