package io.jvmm.core.devices;

import io.jvmm.fuse.FuseServer;
import io.jvmm.virtio.fs.FsRequestHandler;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * What a virtio-fs device hands its requests to: the share's FUSE server. The device owns it and
 * closes the server with itself.
 */
public record FuseRequests(FuseServer server) implements FsRequestHandler {
    @Override
    public int handle(List<MemorySegment> request, List<MemorySegment> reply) {
        return server.handle(request, reply);
    }

    @Override
    public void close() {
        server.close();
    }
}
