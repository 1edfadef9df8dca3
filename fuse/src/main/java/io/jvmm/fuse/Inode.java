package io.jvmm.fuse;

import io.jvmm.kvm.sys.FileStat;

/**
 * A host file the guest knows by a node id: its identity (device and inode number, fixed), its type,
 * and where it was last seen (parent and name), from which {@link NodeTable} re-opens its O_PATH
 * descriptor after evicting it. The descriptor pins the file itself, not a path: a rename or a
 * symlink swapped in at its old name does not change what it refers to.
 */
final class Inode {
    final long nodeId;
    final long dev, ino;
    /** S_IFMT bits: a file's type never changes while an inode number refers to it. */
    final int type;
    /** Last known location; null for the share's root. Written under the table lock, read by re-opens. */
    volatile Inode parent;

    volatile byte[] name;
    /** The O_PATH descriptor, or -1 while evicted. Changed under this object's lock or the write lock. */
    int fd;
    /** LOOKUP-type replies not yet balanced by FORGET; guarded by the table. */
    long lookups;
    /** A tick of the table's clock at the last use, for the least-recently-used eviction. */
    volatile long lastUsed;

    Inode(long nodeId, long dev, long ino, int type, Inode parent, byte[] name, int fd) {
        this.nodeId = nodeId;
        this.dev = dev;
        this.ino = ino;
        this.type = type;
        this.parent = parent;
        this.name = name;
        this.fd = fd;
    }

    boolean isDirectory() {
        return type == FileStat.S_IFDIR;
    }

    boolean isRegular() {
        return type == FileStat.S_IFREG;
    }

    boolean isSymlink() {
        return type == FileStat.S_IFLNK;
    }

    /** The key of {@link NodeTable}'s identity map. */
    record Key(long dev, long ino) {}

    Key key() {
        return new Key(dev, ino);
    }
}
