package io.jvmm.image.rootfs;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One inode of the merged file system. A hard link is the same Node object under two names.
 * Mutable: layers update directories in place and replace everything else.
 */
final class Node {
    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;

    /** A name in a directory: the inode and the index of the layer that last created or touched it. */
    static final class Child {
        Node node;
        int layer;

        Child(Node node, int layer) {
            this.node = node;
            this.layer = layer;
        }
    }

    /** File type and permission bits (incl. setuid, setgid, sticky). */
    int mode;

    long uid;
    long gid;
    long mtimeSec;
    int mtimeNsec;
    /** Full xattr names ("user.foo", "security.capability") to values; null when none. */
    TreeMap<String, byte[]> xattrs;

    /** Directories only. */
    Map<String, Child> children;
    /** Regular files only: where the content is in the spool file. */
    long dataOffset;

    long dataLength;
    /** Symbolic links only: the target, as bytes. */
    byte[] target;
    /** Device nodes only. */
    int devMajor;

    int devMinor;

    Node(int mode) {
        this.mode = mode;
        if (isDir()) children = new HashMap<>();
    }

    int type() {
        return mode & S_IFMT;
    }

    boolean isDir() {
        return type() == S_IFDIR;
    }

    boolean isSymlink() {
        return type() == S_IFLNK;
    }

    boolean isRegular() {
        return type() == S_IFREG;
    }
}
