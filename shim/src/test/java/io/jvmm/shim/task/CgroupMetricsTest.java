package io.jvmm.shim.task;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvmm.shim.proto.cgroups.Metrics;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The guest's cgroup v2 keys land in containerd's metrics fields of the same meaning. */
class CgroupMetricsTest {
    @Test
    void keyedAndSingleValueFilesMapByName() throws Exception {
        Map<String, Long> f = new LinkedHashMap<>();
        f.put("cpu.usage_usec", 7000L);
        f.put("cpu.user_usec", 5000L);
        f.put("cpu.system_usec", 2000L);
        f.put("cpu.nr_throttled", 3L);
        f.put("cpu.core_sched.force_idle_usec", 9L); // a newer kernel's key containerd has no field for
        f.put("memory.current", 1L << 20);
        f.put("memory.max", 64L << 20);
        f.put("memory.peak", 2L << 20);
        f.put("memory.stat.anon", 12288L);
        f.put("memory.stat.file", 4096L);
        f.put("memory.stat.pgmajfault", 2L);
        f.put("memory.stat.zswap", 1L); // no such field either
        f.put("memory.events.oom", 1L);
        f.put("memory.events.oom_kill", 1L);
        f.put("pids.current", 4L);
        f.put("pids.max", 100L);
        Metrics m = Metrics.parseFrom(CgroupMetrics.pack(f).getValue());
        assertEquals(7000, m.getCpu().getUsageUsec());
        assertEquals(5000, m.getCpu().getUserUsec());
        assertEquals(2000, m.getCpu().getSystemUsec());
        assertEquals(3, m.getCpu().getNrThrottled());
        assertEquals(1 << 20, m.getMemory().getUsage());
        assertEquals(64 << 20, m.getMemory().getUsageLimit());
        assertEquals(2 << 20, m.getMemory().getMaxUsage());
        assertEquals(12288, m.getMemory().getAnon());
        assertEquals(4096, m.getMemory().getFile());
        assertEquals(2, m.getMemory().getPgmajfault());
        assertEquals(1, m.getMemoryEvents().getOom());
        assertEquals(1, m.getMemoryEvents().getOomKill());
        assertEquals(4, m.getPids().getCurrent());
        assertEquals(100, m.getPids().getLimit());
    }

    @Test
    void noFiguresIsAnEmptyButWellFormedMessage() throws Exception {
        Metrics m = Metrics.parseFrom(CgroupMetrics.pack(Map.of()).getValue());
        assertEquals(0, m.getCpu().getUsageUsec());
        assertEquals(0, m.getMemory().getUsage());
        assertEquals(
                "io.containerd.cgroups.v2.Metrics", CgroupMetrics.pack(Map.of()).getTypeUrl());
    }
}
