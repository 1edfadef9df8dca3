package io.jvmm.fuse;

/**
 * How host file owners appear in the guest and whom guest-created files belong to.
 *
 * <ul>
 * <li>{@link #identity()} (the server runs as root): ids pass through unchanged, and a file the guest
 *     creates belongs to the guest caller's uid and gid.
 * <li>{@link #translate(int, int)} (the server runs as an ordinary user, like virtiofsd's
 *     {@code --translate-uid}/{@code --translate-gid} and rootless podman without sub-ids): the
 *     invoking user's ids appear as the guest's root; other host ids appear as themselves, except
 *     that host root appears as the overflow id 65534 ({@code nobody}), as an unmapped id does in a
 *     user namespace. Every file the guest creates, whoever creates it, belongs to the invoking
 *     user (the only owner an ordinary user can give). A guest chown to its root maps to the
 *     invoking user; a chown to any other guest id is refused with EPERM, since it has no host id.
 * </ul>
 */
public final class IdMapping {
    /** The id an unmapped host id appears as (Linux's overflowuid/overflowgid). */
    public static final int OVERFLOW_ID = 65534;

    private static final IdMapping IDENTITY = new IdMapping(false, 0, 0);

    private final boolean translate;
    private final int hostUid;
    private final int hostGid;

    private IdMapping(boolean translate, int hostUid, int hostGid) {
        this.translate = translate;
        this.hostUid = hostUid;
        this.hostGid = hostGid;
    }

    /** Ids pass through unchanged (the server runs as root). */
    public static IdMapping identity() {
        return IDENTITY;
    }

    /** Guest root is host {@code uid}:{@code gid} (the user running the server). */
    public static IdMapping translate(int uid, int gid) {
        if (uid < 0 || gid < 0) throw new IllegalArgumentException("translate ids must be >= 0: " + uid + ":" + gid);
        return new IdMapping(true, uid, gid);
    }

    public boolean translates() {
        return translate;
    }

    /** The uid the guest sees for a file the host says {@code uid} owns. */
    public int uidToGuest(int uid) {
        return translate ? toGuest(uid, hostUid) : uid;
    }

    public int gidToGuest(int gid) {
        return translate ? toGuest(gid, hostGid) : gid;
    }

    private static int toGuest(int id, int self) {
        if (id == self) return 0;
        return id == 0 ? OVERFLOW_ID : id;
    }

    /** The host uid for a guest chown to {@code uid}, or -1 when it has none (answer EPERM). */
    public int uidToHost(int uid) {
        return translate ? (uid == 0 ? hostUid : -1) : uid;
    }

    public int gidToHost(int gid) {
        return translate ? (gid == 0 ? hostGid : -1) : gid;
    }

    /** The host owner of a file created by guest caller {@code uid}. */
    public int creatorUid(int uid) {
        return translate ? hostUid : uid;
    }

    public int creatorGid(int gid) {
        return translate ? hostGid : gid;
    }

    @Override
    public String toString() {
        return translate ? "translate(" + hostUid + ":" + hostGid + ")" : "identity";
    }
}
