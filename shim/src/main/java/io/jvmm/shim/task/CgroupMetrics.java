package io.jvmm.shim.task;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.jvmm.shim.proto.cgroups.CPUStat;
import io.jvmm.shim.proto.cgroups.MemoryEvents;
import io.jvmm.shim.proto.cgroups.MemoryStat;
import io.jvmm.shim.proto.cgroups.Metrics;
import io.jvmm.shim.proto.cgroups.PidsStat;
import java.util.Map;

/**
 * A container's cgroup v2 figures from the guest ({@code cpu.usage_usec}, {@code memory.stat.anon}...) as
 * containerd's {@code io.containerd.cgroups.v2.Metrics}, what {@code ctr task metrics} and the kubelet
 * read. Keyed files map field by field, by name; the single-value files by the rule below.
 */
final class CgroupMetrics {
    private CgroupMetrics() {}

    static Metrics of(Map<String, Long> figures) {
        Metrics.Builder m = Metrics.newBuilder();
        CPUStat.Builder cpu = CPUStat.newBuilder();
        MemoryStat.Builder memory = MemoryStat.newBuilder();
        MemoryEvents.Builder events = MemoryEvents.newBuilder();
        PidsStat.Builder pids = PidsStat.newBuilder();
        for (Map.Entry<String, Long> e : figures.entrySet()) {
            String key = e.getKey();
            long v = e.getValue();
            switch (key) {
                case "memory.current" -> memory.setUsage(v);
                case "memory.max" -> memory.setUsageLimit(v);
                case "memory.peak" -> memory.setMaxUsage(v);
                case "memory.swap.current" -> memory.setSwapUsage(v);
                case "pids.current" -> pids.setCurrent(v);
                case "pids.max" -> pids.setLimit(v);
                default -> {
                    if (key.startsWith("cpu.")) set(cpu, key.substring(4), v);
                    else if (key.startsWith("memory.stat.")) set(memory, key.substring(12), v);
                    else if (key.startsWith("memory.events.")) set(events, key.substring(14), v);
                }
            }
        }
        return m.setCpu(cpu)
                .setMemory(memory)
                .setMemoryEvents(events)
                .setPids(pids)
                .build();
    }

    /** The figures packed as containerd names the type ({@code io.containerd.cgroups.v2.Metrics}). */
    static Any pack(Map<String, Long> figures) {
        return ContainerdProtos.pack(of(figures));
    }

    /** Sets the uint64 field named {@code name}, if the message has one (the kernel has more keys than containerd). */
    private static void set(Message.Builder b, String name, long v) {
        FieldDescriptor f = b.getDescriptorForType().findFieldByName(name);
        if (f != null && f.getType() == FieldDescriptor.Type.UINT64) b.setField(f, v);
    }
}
