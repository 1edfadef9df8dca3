package io.jvmm.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.jvmm.cri.proto.ListImagesRequest;
import io.jvmm.cri.proto.RuntimeServiceGrpc;
import io.jvmm.cri.proto.VersionRequest;
import io.jvmm.cri.proto.VersionResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CriClient against a gRPC server on a unix socket that serves only RuntimeService.Version. */
class CriClientTest {
    @TempDir
    Path tmp;

    @Test
    void versionRoundTripsOverAUnixSocketAndUnservedCallsFail() throws Exception {
        Path socket = tmp.resolve("cri.sock");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group)
                .workerEventLoopGroup(group)
                .addService(new RuntimeServiceGrpc.RuntimeServiceImplBase() {
                    @Override
                    public void version(VersionRequest req, StreamObserver<VersionResponse> out) {
                        out.onNext(VersionResponse.newBuilder()
                                .setVersion("0.1.0")
                                .setRuntimeName("fake")
                                .setRuntimeVersion("asked " + req.getVersion())
                                .setRuntimeApiVersion("v1")
                                .build());
                        out.onCompleted();
                    }
                })
                .build()
                .start();
        try (CriClient cri = new CriClient(socket, Duration.ofSeconds(10))) {
            VersionResponse v = cri.runtime()
                    .version(VersionRequest.newBuilder().setVersion("v1").build());
            assertEquals("fake", v.getRuntimeName());
            assertEquals("asked v1", v.getRuntimeVersion());
            assertEquals("v1", v.getRuntimeApiVersion());
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class,
                    () -> cri.images().listImages(ListImagesRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }
}
