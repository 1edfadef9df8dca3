package io.jvmm.virtio.rng;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The host kernel's CSPRNG, read from {@code /dev/urandom} straight into guest memory (getrandom(2)
 * semantics once the host pool is initialized, which it is long before a VMM runs).
 */
public final class HostEntropy implements EntropySource {
    private final FileChannel urandom;

    private HostEntropy(FileChannel urandom) {
        this.urandom = urandom;
    }

    public static HostEntropy open() throws IOException {
        return new HostEntropy(FileChannel.open(Path.of("/dev/urandom"), StandardOpenOption.READ));
    }

    @Override
    public void fill(MemorySegment dst) throws IOException {
        ByteBuffer buf = dst.asByteBuffer();
        while (buf.hasRemaining()) {
            if (urandom.read(buf) < 0) throw new IOException("/dev/urandom: unexpected end of file");
        }
    }

    @Override
    public void close() throws IOException {
        urandom.close();
    }
}
