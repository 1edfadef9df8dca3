package io.jvmm.fuse;

/**
 * An open file or directory behind a FUSE file handle: a real (not O_PATH) descriptor, opened by
 * re-opening the node's O_PATH descriptor with {@code flags} (kept for a snapshot's restore), or -1
 * for a handle restored from a snapshot whose file could not be found again (ESTALE on use).
 * Directory handles serialise their seek-and-read.
 */
record OpenFile(long fh, Inode node, int fd, boolean directory, boolean writable, int flags) {}
