package io.jvmm.shim.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.jvmm.shim.proto.task.ConnectRequest;
import io.jvmm.shim.proto.task.ConnectResponse;
import io.jvmm.shim.proto.ttrpc.Request;
import io.jvmm.shim.proto.ttrpc.Response;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TtrpcServerTest {
    private static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private TtrpcServer server;
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        TtrpcService echo = TtrpcService.builder("test.Echo")
                .unary(
                        "Echo",
                        ConnectRequest.parser(),
                        r -> ConnectResponse.newBuilder()
                                .setVersion("echo:" + r.getId())
                                .build())
                .unary("Block", ConnectRequest.parser(), r -> {
                    release.await();
                    return ConnectResponse.newBuilder().setVersion("released").build();
                })
                .unary("Missing", ConnectRequest.parser(), r -> {
                    throw TtrpcException.notFound("task " + r.getId() + " not found");
                })
                .unary("Broken", ConnectRequest.parser(), r -> {
                    throw new IllegalStateException("the engine said no");
                })
                .build();
        server =
                TtrpcServer.bind(dir.resolve("s.sock"), List.of(echo), log::add).start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
    }

    private String echo(TtrpcClient c, String method, String id) throws Exception {
        return c.call("test.Echo", method, ConnectRequest.newBuilder().setId(id).build(), ConnectResponse.parser(), T)
                .getVersion();
    }

    @Test
    void unaryCallsAnswerOnTheirStream() throws Exception {
        try (TtrpcClient c = TtrpcClient.connect(server.socket())) {
            assertEquals("echo:a", echo(c, "Echo", "a"));
            assertEquals("echo:b", echo(c, "Echo", "b"));
        }
    }

    @Test
    void errorsCarryTheirCodeAndMessage() throws Exception {
        try (TtrpcClient c = TtrpcClient.connect(server.socket())) {
            TtrpcException e = assertThrows(TtrpcException.class, () -> echo(c, "Missing", "x"));
            assertEquals(TtrpcException.Code.NOT_FOUND, e.code());
            assertEquals("task x not found", e.getMessage());
            e = assertThrows(TtrpcException.class, () -> echo(c, "Broken", "x"));
            assertEquals(TtrpcException.Code.UNKNOWN, e.code());
            assertEquals("the engine said no", e.getMessage());
            e = assertThrows(TtrpcException.class, () -> echo(c, "Nope", "x"));
            assertEquals(TtrpcException.Code.UNIMPLEMENTED, e.code());
            e = assertThrows(
                    TtrpcException.class,
                    () -> c.call("no.Such", "Echo", ConnectRequest.getDefaultInstance(), ConnectResponse.parser(), T));
            assertEquals(TtrpcException.Code.UNIMPLEMENTED, e.code());
            // the connection survives every error
            assertEquals("echo:ok", echo(c, "Echo", "ok"));
        }
    }

    @Test
    void aBlockedCallDoesNotHoldUpTheNext() throws Exception {
        try (TtrpcClient c = TtrpcClient.connect(server.socket())) {
            Thread blocked = Thread.ofPlatform().start(() -> {
                try {
                    assertEquals("released", echo(c, "Block", ""));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals("echo:fast", echo(c, "Echo", "fast"));
            assertTrue(blocked.isAlive());
            release.countDown();
            blocked.join(T.toMillis());
            assertFalse(blocked.isAlive());
        }
    }

    /** A raw connection for frames a well-behaved client never sends. */
    private static final class Raw implements AutoCloseable {
        final SocketChannel ch;

        Raw(Path socket) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
        }

        void request(int sid, byte flags, byte[] data) throws IOException {
            new Frame(sid, Frame.REQUEST, flags, data).write(ch);
        }

        Response response(int sid) throws IOException {
            Frame f = Frame.read(ch);
            assertEquals(Frame.RESPONSE, f.type());
            assertEquals(sid, f.streamId());
            return Response.parseFrom(f.data());
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    private static byte[] echoRequest(String id) {
        return Request.newBuilder()
                .setService("test.Echo")
                .setMethod("Echo")
                .setPayload(ConnectRequest.newBuilder().setId(id).build().toByteString())
                .build()
                .toByteArray();
    }

    private static int code(Response r) {
        return r.getStatus().getCode();
    }

    @Test
    void streamRulesAreEnforcedPerRequest() throws Exception {
        try (Raw raw = new Raw(server.socket())) {
            raw.request(2, (byte) 0, echoRequest("even"));
            assertEquals(TtrpcException.Code.INVALID_ARGUMENT.ordinal(), code(raw.response(2)));
            raw.request(5, (byte) 0, echoRequest("five"));
            Response ok = raw.response(5);
            assertEquals(0, code(ok));
            assertEquals("echo:five", ConnectResponse.parseFrom(ok.getPayload()).getVersion());
            raw.request(3, (byte) 0, echoRequest("reused"));
            assertEquals(TtrpcException.Code.INVALID_ARGUMENT.ordinal(), code(raw.response(3)));
            raw.request(7, Frame.REMOTE_OPEN, echoRequest("stream"));
            assertEquals(TtrpcException.Code.UNIMPLEMENTED.ordinal(), code(raw.response(7)));
            new Frame(7, Frame.DATA, Frame.REMOTE_CLOSED, new byte[] {1}).write(raw.ch);
            raw.request(9, (byte) 0, new byte[] {(byte) 0xff, (byte) 0xff});
            assertEquals(TtrpcException.Code.INVALID_ARGUMENT.ordinal(), code(raw.response(9)));
            raw.request(
                    11,
                    (byte) 0,
                    Request.newBuilder()
                            .setService("test.Echo")
                            .setMethod("Echo")
                            .setPayload(ByteString.copyFrom(new byte[] {(byte) 0x0a, 5}))
                            .build()
                            .toByteArray());
            assertEquals(TtrpcException.Code.INVALID_ARGUMENT.ordinal(), code(raw.response(11)));
        }
    }

    @Test
    void anOversizedRequestIsAnsweredAndTheConnectionGoesOn() throws Exception {
        try (Raw raw = new Raw(server.socket())) {
            java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(10)
                    .putInt(Frame.MAX_DATA + 100)
                    .putInt(1)
                    .put(Frame.REQUEST)
                    .put((byte) 0)
                    .flip();
            raw.ch.write(header);
            java.nio.ByteBuffer junk = java.nio.ByteBuffer.allocate(Frame.MAX_DATA + 100);
            while (junk.hasRemaining()) raw.ch.write(junk);
            assertEquals(TtrpcException.Code.RESOURCE_EXHAUSTED.ordinal(), code(raw.response(1)));
            raw.request(3, (byte) 0, echoRequest("after"));
            assertEquals(0, code(raw.response(3)));
        }
    }

    @Test
    void closeRemovesTheSocketAndEndsCalls() throws Exception {
        TtrpcClient c = TtrpcClient.connect(server.socket());
        Thread.ofPlatform().start(() -> {
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException ignored) {
            }
            server.close();
        });
        assertThrows(IOException.class, () -> echo(c, "Block", ""));
        assertFalse(Files.exists(dir.resolve("s.sock")));
        c.close();
    }
}
