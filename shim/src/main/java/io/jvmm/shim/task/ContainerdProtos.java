package io.jvmm.shim.task;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import java.time.Instant;

/** How containerd encodes a typed value and a time: the two conversions every message of the shim uses. */
public final class ContainerdProtos {
    private ContainerdProtos() {}

    /**
     * {@code message} as containerd's typeurl registry names it: the type URL is the protobuf full name
     * ({@code containerd.events.TaskExit}, {@code io.containerd.cgroups.v2.Metrics}), with no URL prefix.
     */
    public static Any pack(Message message) {
        return Any.newBuilder()
                .setTypeUrl(message.getDescriptorForType().getFullName())
                .setValue(message.toByteString())
                .build();
    }

    /** {@code t} as a protobuf Timestamp; null (not happened yet) is the zero time. */
    public static Timestamp timestamp(Instant t) {
        if (t == null) return Timestamp.getDefaultInstance();
        return Timestamp.newBuilder()
                .setSeconds(t.getEpochSecond())
                .setNanos(t.getNano())
                .build();
    }
}
