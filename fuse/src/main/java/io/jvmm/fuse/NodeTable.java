package io.jvmm.fuse;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileStat;
import io.jvmm.kvm.sys.FileSyscalls;
import io.jvmm.kvm.sys.Libc;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node ids the guest holds: id to {@link Inode}, and (device, inode number) to the same Inode so
 * that hard links and repeated lookups share one id. Ids are never reused; an id the guest has
 * forgotten, or never got, is refused with EBADF.
 *
 * <p>Descriptor bound: every Inode holds an O_PATH descriptor while it is in use. When more than
 * {@code maxFds} are open, {@link #evict} closes the least recently used down to three quarters of
 * the bound; {@link #fd} re-opens an evicted one by its last known parent and name with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) and accepts the result only if it is the same file
 * (device and inode number), else ESTALE. Descriptors are closed only under the server's write lock,
 * so no request ever uses a descriptor number that was closed and reused beneath it.
 */
final class NodeTable {
    static final long CONFINED =
            FileSyscalls.RESOLVE_BENEATH | FileSyscalls.RESOLVE_NO_SYMLINKS | FileSyscalls.RESOLVE_NO_MAGICLINKS;
    static final int O_PATH_FLAGS = Libc.O_PATH | FileSyscalls.O_NOFOLLOW | Libc.O_CLOEXEC;
    /** Deeper than any real tree; a longer parent chain is a cycle left by host-side renames. */
    private static final int MAX_DEPTH = 4096;

    private final Map<Long, Inode> byId = new HashMap<>();
    private final Map<Inode.Key, Inode> byKey = new HashMap<>();
    /** Every Inode with an open descriptor, forgotten ones included (a child's re-open may revive them). */
    private final Set<Inode> open = ConcurrentHashMap.newKeySet();

    private final AtomicLong clock = new AtomicLong();
    private final int maxFds;
    private final Inode root;
    private long nextId = FuseAbi.ROOT_ID + 1;

    NodeTable(int rootFd, FileStat rootStat, int maxFds) {
        this.maxFds = maxFds;
        this.root = new Inode(FuseAbi.ROOT_ID, rootStat.dev(), rootStat.ino(), rootStat.type(), null, null, rootFd);
        root.lookups = Long.MAX_VALUE / 2;
        byId.put(root.nodeId, root);
        byKey.put(root.key(), root);
    }

    Inode root() {
        return root;
    }

    /** The Inode for a node id from the guest; EBADF for an id not in the table. */
    synchronized Inode get(long nodeId) {
        Inode n = byId.get(nodeId);
        if (n == null) throw new FuseError(Errno.EBADF);
        return n;
    }

    /** Descriptors open now (the root's included). */
    int openFds() {
        return open.size() + 1;
    }

    synchronized int size() {
        return byId.size();
    }

    /**
     * Counts one lookup of the file open as {@code fd} (an O_PATH descriptor the caller owns) found as
     * {@code name} in {@code parent}: a known file gets its existing id and {@code fd} is closed; a new
     * one gets a new id and keeps {@code fd}.
     */
    Inode intern(Inode parent, byte[] name, int fd, FileStat st) {
        int toClose = -1;
        Inode n;
        synchronized (this) {
            n = byKey.get(new Inode.Key(st.dev(), st.ino()));
            if (n == null) {
                n = new Inode(nextId++, st.dev(), st.ino(), st.type(), parent, name, fd);
                byId.put(n.nodeId, n);
                byKey.put(n.key(), n);
                open.add(n);
            } else {
                if (n != root) {
                    n.parent = parent;
                    n.name = name;
                }
                synchronized (n) {
                    if (n.fd < 0) {
                        n.fd = fd;
                        open.add(n);
                    } else {
                        toClose = fd;
                    }
                }
            }
            n.lookups++;
        }
        n.lastUsed = clock.incrementAndGet();
        if (toClose >= 0) FileSyscalls.close(toClose);
        return n;
    }

    /** A rename (or exchange) moved {@code n} to {@code name} in {@code parent}. */
    synchronized void moved(Inode n, Inode parent, byte[] name) {
        if (n != root) {
            n.parent = parent;
            n.name = name;
        }
    }

    /** The known Inode for a file, or null (for renames: which node moved). */
    synchronized Inode find(FileStat st) {
        return byKey.get(new Inode.Key(st.dev(), st.ino()));
    }

    /** Balances {@code count} lookups; the last one removes the id. Caller holds the write lock. */
    synchronized void forget(long nodeId, long count) {
        Inode n = byId.get(nodeId);
        if (n == null || n == root) return;
        n.lookups -= Math.min(Math.max(count, 0), n.lookups);
        if (n.lookups > 0) return;
        byId.remove(nodeId);
        byKey.remove(n.key());
        close(n);
    }

    /** Forgets every node but the root (DESTROY, or a new INIT). Caller holds the write lock. */
    synchronized void clear() {
        for (Inode n : List.copyOf(open)) close(n);
        byId.clear();
        byKey.clear();
        byId.put(root.nodeId, root);
        byKey.put(root.key(), root);
    }

    private void close(Inode n) {
        synchronized (n) {
            if (n.fd >= 0) {
                FileSyscalls.close(n.fd);
                n.fd = -1;
            }
        }
        open.remove(n);
    }

    /** Every node but the root, for a snapshot. */
    synchronized List<Inode> all() {
        List<Inode> nodes = new ArrayList<>(byId.values());
        nodes.remove(root);
        return nodes;
    }

    synchronized long nextId() {
        return nextId;
    }

    /**
     * Puts back a node from a snapshot with its id and lookup count; {@code n} carries its re-opened
     * descriptor, or -1 and no location when its file is gone (every use is then ESTALE).
     */
    synchronized void restore(Inode n, long lookups, long nextNodeId) {
        n.lookups = lookups;
        byId.put(n.nodeId, n);
        if (n.fd >= 0) {
            byKey.putIfAbsent(n.key(), n);
            open.add(n);
        }
        nextId = Math.max(nextId, nextNodeId);
    }

    /** Counts a descriptor opened for a restored node's ancestor (not a node itself), so eviction sees it. */
    void adopt(Inode n) {
        if (n.fd >= 0) open.add(n);
    }

    /** True when more descriptors are open than the bound. */
    boolean overBound() {
        return openFds() > maxFds;
    }

    /** Closes the least recently used descriptors down to 3/4 of the bound. Caller holds the write lock. */
    void evict() {
        if (!overBound()) return;
        List<Inode> candidates = new ArrayList<>(open);
        candidates.sort(Comparator.comparingLong(n -> n.lastUsed));
        int target = maxFds * 3 / 4;
        for (Inode n : candidates) {
            if (openFds() <= target) break;
            close(n);
        }
    }

    /** The O_PATH descriptor of {@code n}, re-opened if it was evicted; ESTALE when its file moved away. */
    int fd(Inode n) {
        return fd(n, 0);
    }

    private int fd(Inode n, int depth) {
        n.lastUsed = clock.incrementAndGet();
        synchronized (n) {
            if (n.fd >= 0) return n.fd;
        }
        Inode parent = n.parent;
        byte[] name = n.name;
        if (parent == null || name == null || depth > MAX_DEPTH) throw new FuseError(Errno.ESTALE);
        int parentFd = fd(parent, depth + 1);
        long fd = FileSyscalls.openat2(parentFd, name, O_PATH_FLAGS, 0, CONFINED);
        if (fd < 0) throw new FuseError(Errno.ESTALE);
        FileStat st = FileSyscalls.stat((int) fd);
        if (st.dev() != n.dev || st.ino() != n.ino) {
            FileSyscalls.close((int) fd);
            throw new FuseError(Errno.ESTALE);
        }
        synchronized (n) {
            if (n.fd >= 0) {
                FileSyscalls.close((int) fd); // another request re-opened it meanwhile
            } else {
                n.fd = (int) fd;
                open.add(n);
            }
            return n.fd;
        }
    }
}
