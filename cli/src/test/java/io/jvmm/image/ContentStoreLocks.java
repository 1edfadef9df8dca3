package io.jvmm.image;

/** Test access to the image store's lock from outside the image module (same package on the class path). */
public final class ContentStoreLocks {
    private ContentStoreLocks() {}

    /** Holds {@code store}'s lock exclusively, as image rm and prune do, until closed. */
    public static ContentStore.ReadGuard exclusive(ContentStore store) {
        StoreLock.Held held = StoreLock.forRoot(store.root()).exclusive();
        return held::close;
    }
}
