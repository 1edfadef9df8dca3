package io.jvmm.shim.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.jvmm.shim.proto.ttrpc.Request;
import io.jvmm.shim.proto.ttrpc.Response;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A ttrpc client for unary calls: odd, increasing stream ids, one reader thread matching responses to
 * their calls. The shim forwards its events to containerd with it.
 */
public final class TtrpcClient implements AutoCloseable {
    private final SocketChannel channel;
    private final Map<Integer, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();
    private int nextStreamId = 1;
    private volatile IOException failure;

    private TtrpcClient(SocketChannel channel) {
        this.channel = channel;
        Thread.ofPlatform().name("ttrpc-client").daemon().start(this::readLoop);
    }

    public static TtrpcClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot connect to ttrpc socket " + socket + ": " + e.getMessage(), e);
        }
        return new TtrpcClient(ch);
    }

    /** Calls {@code service/method}; the peer's error status arrives as {@link TtrpcException}. */
    public <R> R call(String service, String method, Message request, Parser<R> responseParser, Duration timeout)
            throws IOException, InterruptedException {
        byte[] data = Request.newBuilder()
                .setService(service)
                .setMethod(method)
                .setPayload(request.toByteString())
                .setTimeoutNano(timeout.toNanos())
                .build()
                .toByteArray();
        CompletableFuture<Response> reply = new CompletableFuture<>();
        int sid;
        synchronized (writeLock) {
            if (failure != null) throw new IOException("ttrpc connection failed: " + failure.getMessage(), failure);
            sid = nextStreamId;
            nextStreamId += 2;
            pending.put(sid, reply);
            try {
                new Frame(sid, Frame.REQUEST, (byte) 0, data).write(channel);
            } catch (IOException e) {
                pending.remove(sid);
                throw e;
            }
        }
        Response r;
        try {
            r = reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.remove(sid);
            throw new TtrpcException(
                    TtrpcException.Code.DEADLINE_EXCEEDED, service + "/" + method + ": no answer within " + timeout);
        } catch (ExecutionException e) {
            throw new IOException(service + "/" + method + ": " + e.getCause().getMessage(), e.getCause());
        }
        if (r.hasStatus() && r.getStatus().getCode() != 0)
            throw new TtrpcException(
                    TtrpcException.Code.of(r.getStatus().getCode()),
                    r.getStatus().getMessage());
        try {
            return responseParser.parseFrom(r.getPayload());
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(service + "/" + method + ": the response does not parse: " + e.getMessage(), e);
        }
    }

    private void readLoop() {
        IOException end = new IOException("the ttrpc reader stopped");
        try {
            Frame f;
            while ((f = Frame.read(channel)) != null) {
                if (f.type() != Frame.RESPONSE) continue;
                CompletableFuture<Response> reply = pending.remove(f.streamId());
                if (reply == null) continue;
                try {
                    reply.complete(Response.parseFrom(f.data()));
                } catch (InvalidProtocolBufferException e) {
                    reply.completeExceptionally(
                            new IOException("the response frame does not parse: " + e.getMessage()));
                }
            }
            end = new IOException("the peer closed the connection");
        } catch (IOException e) {
            end = e;
        } finally {
            synchronized (writeLock) {
                failure = end;
            }
            for (CompletableFuture<Response> p : pending.values()) p.completeExceptionally(end);
            pending.clear();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
