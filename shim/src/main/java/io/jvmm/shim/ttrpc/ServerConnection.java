package io.jvmm.shim.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jvmm.shim.proto.rpc.Status;
import io.jvmm.shim.proto.ttrpc.Request;
import io.jvmm.shim.proto.ttrpc.Response;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client's connection: reads frames, checks the stream rules (client streams are odd and increase),
 * runs each request on its own thread and writes its one response frame. Client streaming is refused:
 * containerd's Task and Events services are unary.
 */
final class ServerConnection {
    private final TtrpcServer server;
    private final SocketChannel channel;
    private final int id;
    private final Object writeLock = new Object();
    /** Streams the client still sends data on after a refused streaming request: their data is dropped. */
    private final Set<Integer> draining = ConcurrentHashMap.newKeySet();

    private long lastStreamId;

    ServerConnection(TtrpcServer server, SocketChannel channel, int id) {
        this.server = server;
        this.channel = channel;
        this.id = id;
    }

    void start() {
        Thread.ofPlatform().name("ttrpc-conn-" + id).daemon().start(this::readLoop);
    }

    void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the peer is gone either way
        }
    }

    private void readLoop() {
        try {
            while (true) {
                Frame f;
                try {
                    f = Frame.read(channel);
                } catch (Frame.Oversized e) {
                    if (e.type() == Frame.REQUEST)
                        respond(e.streamId(), TtrpcException.Code.RESOURCE_EXHAUSTED, e.getMessage(), null);
                    else server.log("ttrpc: " + e.getMessage());
                    continue;
                }
                if (f == null) return;
                onFrame(f);
            }
        } catch (AsynchronousCloseException | EOFException e) {
            // closed by us or by the peer
        } catch (IOException e) {
            server.log("ttrpc: connection " + id + ": " + e.getMessage());
        } finally {
            close();
            server.closed(this);
        }
    }

    private void onFrame(Frame f) throws IOException {
        long sid = Integer.toUnsignedLong(f.streamId());
        switch (f.type()) {
            case Frame.REQUEST -> {
                if (sid % 2 != 1) {
                    respond(
                            f.streamId(),
                            TtrpcException.Code.INVALID_ARGUMENT,
                            "stream id " + sid + " is even: client streams are odd",
                            null);
                    return;
                }
                if (sid <= lastStreamId) {
                    respond(
                            f.streamId(),
                            TtrpcException.Code.INVALID_ARGUMENT,
                            "stream id " + sid + " reused: ids must increase (last " + lastStreamId + ")",
                            null);
                    return;
                }
                lastStreamId = sid;
                if ((f.flags() & Frame.REMOTE_OPEN) != 0) {
                    draining.add(f.streamId());
                    respond(f.streamId(), TtrpcException.Code.UNIMPLEMENTED, "client streaming is not supported", null);
                    return;
                }
                Thread.ofPlatform().name("ttrpc-" + id + "-" + sid).daemon().start(() -> handle(f));
            }
            case Frame.DATA -> {
                if ((f.flags() & Frame.REMOTE_CLOSED) != 0) draining.remove(f.streamId());
            }
            default -> server.log("ttrpc: connection " + id + ": frame of unknown type " + f.type() + " dropped");
        }
    }

    private void handle(Frame f) {
        Request req;
        try {
            req = Request.parseFrom(f.data());
        } catch (InvalidProtocolBufferException e) {
            respond(
                    f.streamId(),
                    TtrpcException.Code.INVALID_ARGUMENT,
                    "the request does not parse: " + e.getMessage(),
                    null);
            return;
        }
        TtrpcService service = server.service(req.getService());
        if (service == null) {
            respond(
                    f.streamId(),
                    TtrpcException.Code.UNIMPLEMENTED,
                    "service " + req.getService() + " is not served",
                    null);
            return;
        }
        try {
            byte[] out = service.call(req.getMethod(), req.getPayload().toByteArray());
            respond(f.streamId(), TtrpcException.Code.OK, "", out);
        } catch (TtrpcException e) {
            respond(f.streamId(), e.code(), e.getMessage(), null);
        } catch (InterruptedException e) {
            respond(f.streamId(), TtrpcException.Code.CANCELLED, "the shim is shutting down", null);
        } catch (RuntimeException e) {
            String where = req.getService() + "/" + req.getMethod();
            server.log("ttrpc: " + where + ": " + e);
            respond(
                    f.streamId(),
                    TtrpcException.Code.UNKNOWN,
                    e.getMessage() == null ? e.toString() : e.getMessage(),
                    null);
        }
    }

    private void respond(int streamId, TtrpcException.Code code, String message, byte[] payload) {
        Response.Builder r = Response.newBuilder();
        if (code != TtrpcException.Code.OK)
            r.setStatus(Status.newBuilder().setCode(code.ordinal()).setMessage(message));
        if (payload != null) r.setPayload(ByteString.copyFrom(payload));
        byte[] data = r.build().toByteArray();
        if (data.length > Frame.MAX_DATA) {
            respond(streamId, TtrpcException.Code.RESOURCE_EXHAUSTED, "the response exceeds 4 MiB", null);
            return;
        }
        synchronized (writeLock) {
            try {
                new Frame(streamId, Frame.RESPONSE, (byte) 0, data).write(channel);
            } catch (IOException e) {
                close();
            }
        }
        server.replied();
    }
}
