package io.jvmm.runtime;

import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.VmRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a running VM costs the host ({@link Engine#stats}): its VM process's CPU use over a sampling
 * interval and its resident memory (the JVM plus the guest RAM the guest has touched), beside the
 * guest RAM it was given.
 *
 * @param vm          the VM
 * @param cpuPercent  CPU time used over the interval, in percent of one CPU (docker's CPU %)
 * @param memoryBytes the VM process's resident memory
 * @param guestRamBytes the guest RAM the VM was given
 */
public record VmStats(VmRecord vm, double cpuPercent, long memoryBytes, long guestRamBytes) {

    /** Samples the VM processes of {@code vms} twice, {@code interval} apart; VMs whose process ended are left out. */
    static List<VmStats> sample(List<VmRecord> vms, Duration interval) throws InterruptedException {
        Map<VmRecord, ProcessInfo.Usage> before = new LinkedHashMap<>();
        for (VmRecord r : vms) usage(r).ifPresent(u -> before.put(r, u));
        long start = System.nanoTime();
        Thread.sleep(interval);
        double seconds = (System.nanoTime() - start) / 1e9;
        List<VmStats> out = new ArrayList<>();
        for (Map.Entry<VmRecord, ProcessInfo.Usage> e : before.entrySet()) {
            VmRecord r = e.getKey();
            Optional<ProcessInfo.Usage> after = usage(r);
            if (after.isEmpty()) continue;
            double cpuSeconds =
                    (after.get().cpuTicks() - e.getValue().cpuTicks()) / (double) ProcessInfo.Usage.TICKS_PER_SECOND;
            out.add(new VmStats(r, 100 * cpuSeconds / seconds, after.get().rssBytes(), r.memoryMib() << 20));
        }
        return out;
    }

    private static Optional<ProcessInfo.Usage> usage(VmRecord r) {
        return ProcessInfo.usage(new ProcessInfo.Id(r.state().pid(), r.state().pidStartTime()));
    }
}
