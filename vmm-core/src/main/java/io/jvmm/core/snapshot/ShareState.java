package io.jvmm.core.snapshot;

/**
 * One virtio-fs share's FUSE server: its node ids and file handles as
 * {@code FuseServer.saveState} wrote them, so the guest's open files go on after a restore.
 *
 * @param tag    the share's tag (a restoring config must share the same tags)
 * @param server the server's saved state
 */
public record ShareState(String tag, byte[] server) {
    /** More than fit on the IOAPIC; anything beyond is not a jvmm snapshot. */
    static final int MAX_SHARES = 32;

    void write(SnapshotWriter w) {
        w.string(tag).bytes(server);
    }

    static ShareState read(SnapshotReader r) {
        return new ShareState(r.string(), r.bytes());
    }
}
