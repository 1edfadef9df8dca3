package io.jvmm.image;

import io.jvmm.files.PathLock;
import java.io.IOException;

/** Test access to the image store's lock from outside the image module. */
public final class ContentStoreLocks {
    private ContentStoreLocks() {}

    /** Holds {@code store}'s lock exclusively, as image rm and prune do, until closed. */
    public static ContentStore.ReadGuard exclusive(ContentStore store) throws IOException {
        PathLock.Held held = PathLock.of(store.root().resolve("lock")).exclusive();
        return held::close;
    }
}
