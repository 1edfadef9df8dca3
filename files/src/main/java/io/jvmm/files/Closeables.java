package io.jvmm.files;

import java.util.function.Consumer;

/**
 * Closes resources on cleanup paths, where a failing close must not replace the error or result
 * being returned: failures are swallowed, or handed to the caller to log.
 */
public final class Closeables {
    private Closeables() {}

    /** Closes each of {@code resources} in order, skipping nulls; every failure is ignored. */
    public static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable c : resources) closeQuietly(c, e -> {});
    }

    /** Closes {@code resource} unless it is null; a failure goes to {@code onFailure}, never up. */
    public static void closeQuietly(AutoCloseable resource, Consumer<? super Exception> onFailure) {
        if (resource == null) return;
        try {
            resource.close();
        } catch (Exception e) {
            onFailure.accept(e);
        }
    }
}
