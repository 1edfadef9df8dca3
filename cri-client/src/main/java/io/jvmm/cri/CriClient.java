package io.jvmm.cri;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.jvmm.cri.proto.ImageServiceGrpc;
import io.jvmm.cri.proto.RuntimeServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC channel to a CRI socket (containerd's CRI plugin listens on containerd's own socket) and the
 * blocking RuntimeService and ImageService stubs over it, as the kubelet calls them.
 */
public final class CriClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final Duration deadline;

    /** Connects lazily: the first call opens the socket, so a runtime that is not up yet fails that call. */
    public CriClient(Path socket, Duration deadline) {
        // "unix://" + an absolute path: grpc's unix name resolver, served by netty-shaded's epoll transport.
        this.channel = Grpc.newChannelBuilder("unix://" + socket.toAbsolutePath(), InsecureChannelCredentials.create())
                .build();
        this.deadline = deadline;
    }

    /** The RuntimeService stub; every call made with it must finish within the deadline from now. */
    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The ImageService stub; every call made with it must finish within the deadline from now. */
    public ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets calls in flight finish for a few seconds, then cancels them; an interrupt cancels at once. */
    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
