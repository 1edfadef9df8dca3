package io.jvmm.shim.task;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import io.jvmm.files.Closeables;
import io.jvmm.shim.proto.events.ForwardRequest;
import io.jvmm.shim.proto.types.Envelope;
import io.jvmm.shim.ttrpc.TtrpcClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * Events to containerd's ttrpc events service ({@code containerd.services.events.ttrpc.v1.Events/Forward}),
 * each in an envelope with its namespace, topic and time. One thread sends them in order, so TaskExit
 * never overtakes TaskStart; a failed send is logged and the connection made again for the next.
 */
public final class ForwardingEvents implements EventSink, AutoCloseable {
    private static final String SERVICE = "containerd.services.events.ttrpc.v1.Events";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Path address;
    private final String namespace;
    private final Consumer<String> log;
    private final BlockingQueue<Envelope> queue = new LinkedBlockingQueue<>();
    private final Thread sender;
    private TtrpcClient client;

    public ForwardingEvents(Path address, String namespace, Consumer<String> log) {
        this.address = address;
        this.namespace = namespace;
        this.log = log;
        this.sender = Thread.ofPlatform().name("shim-events").daemon().start(this::sendLoop);
    }

    @Override
    public void publish(String topic, Message event) {
        queue.add(Envelope.newBuilder()
                .setTimestamp(ContainerdProtos.timestamp(Instant.now()))
                .setNamespace(namespace)
                .setTopic(topic)
                .setEvent(ContainerdProtos.pack(event))
                .build());
    }

    private void sendLoop() {
        try {
            while (true) {
                Envelope e = queue.take();
                if (e.getTopic().isEmpty()) return; // close()'s marker
                send(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            disconnect();
        }
    }

    private void send(Envelope e) throws InterruptedException {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                if (client == null) client = TtrpcClient.connect(address);
                client.call(
                        SERVICE,
                        "Forward",
                        ForwardRequest.newBuilder().setEnvelope(e).build(),
                        Empty.parser(),
                        TIMEOUT);
                return;
            } catch (IOException | RuntimeException ex) {
                disconnect();
                if (attempt == 1)
                    log.accept("shim: event " + e.getTopic() + " not delivered to " + address + ": " + ex.getMessage());
            }
        }
    }

    private void disconnect() {
        if (client == null) return;
        Closeables.closeQuietly(client);
        client = null;
    }

    /** Sends what is queued (for up to five seconds), then stops. */
    @Override
    public void close() throws InterruptedException {
        queue.add(Envelope.getDefaultInstance());
        sender.join(5000);
    }
}
