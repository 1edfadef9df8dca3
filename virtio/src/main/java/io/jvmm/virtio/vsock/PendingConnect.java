package io.jvmm.virtio.vsock;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A host connect waiting for the guest's RESPONSE: it ends once, accepted with its connection or
 * failed with the reason; later outcomes are ignored. Thread-safe: the connecting host thread waits
 * while a device thread decides.
 */
final class PendingConnect {
    private final CompletableFuture<VsockConnection> result = new CompletableFuture<>();

    /** The guest accepted: the waiting host thread gets {@code c}. */
    void accept(VsockConnection c) {
        result.complete(c);
    }

    /** The connect failed with {@code e}, unless it had already ended. */
    void fail(IOException e) {
        result.completeExceptionally(e);
    }

    /** Waits up to {@code timeout} for the outcome; throws the failure as it was given. */
    VsockConnection await(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        try {
            return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }
}
