package io.jvmm.virtio.rng;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** Where virtio-rng's bytes come from. */
@FunctionalInterface
public interface EntropySource extends AutoCloseable {
    /** Fills all of {@code dst} (a view of guest RAM). */
    void fill(MemorySegment dst) throws IOException;

    @Override
    default void close() throws IOException {}
}
