package io.jvmm.virtio.fs;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Serves one virtio-fs request: what the device hands a FUSE server. Defined here, by the consumer,
 * so the virtio module does not depend on the server (the fuse module) nor the server on virtio.
 */
@FunctionalInterface
public interface FsRequestHandler extends AutoCloseable {
    /**
     * Serves the request in {@code request} (the chain's device-readable buffers: fuse_in_header and
     * its arguments) and writes the reply into {@code reply} (the device-writable buffers:
     * fuse_out_header and the answer). Returns the bytes written into {@code reply}, 0 for requests
     * that have no reply (FORGET). The segments are views of guest RAM, valid during the call only.
     * Called from several device threads at once (one per queue); must not throw on guest input.
     */
    int handle(List<MemorySegment> request, List<MemorySegment> reply);

    /** Releases what the handler holds; the device calls it from {@code close()}. */
    @Override
    default void close() {}
}
