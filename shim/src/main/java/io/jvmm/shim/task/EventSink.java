package io.jvmm.shim.task;

import com.google.protobuf.Message;

/** Where the shim's task events go (containerd's events service); publishing never fails a task operation. */
@FunctionalInterface
public interface EventSink {
    /** Sends {@code event} on {@code topic} ({@code /tasks/exit}...), in call order. */
    void publish(String topic, Message event);

    EventSink NONE = (topic, event) -> {};
}
