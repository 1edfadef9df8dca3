package io.jvmm.core.cpu;

import io.jvmm.kvm.VcpuFd;
import io.jvmm.kvm.struct.KvmRegs;
import io.jvmm.kvm.struct.KvmSegment;
import io.jvmm.kvm.struct.KvmSregs;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A statistical profile of where the guest runs, taken from the VMM: {@code hz} times a second a
 * thread ({@code guest-sampler}) raises a new round and kicks every vCPU out of KVM_RUN; each vCPU
 * thread, back from that kick, records its instruction pointer and privilege level once per round
 * and re-enters. It sees guest code where host {@code perf} cannot (kvm_pvm's emulated guest kernel).
 *
 * <p>A kicked KVM_RUN completes the pending I/O instruction before it returns (KVM API, immediate_exit),
 * so the recorded registers are the guest's architectural state. Each sample costs two world switches.
 */
public final class GuestSampler {
    private final Supplier<List<VcpuThread>> vcpus;
    /** Raised once per sampling period; a vCPU samples when it has not seen the current round. */
    private volatile long round;

    private volatile Thread thread;
    private final Map<Long, long[]> kernel = new HashMap<>();
    private long user;
    private long started;
    private long nanos;
    private int hz;

    public GuestSampler(Supplier<List<VcpuThread>> vcpus) {
        this.vcpus = vcpus;
    }

    /** Starts sampling {@code hz} times a second (1 to 10,000), clearing what an earlier run recorded. */
    public synchronized void start(int hz) {
        if (hz < 1 || hz > 10_000) throw new IllegalArgumentException("sampling rate " + hz + " Hz is not 1 to 10000");
        if (thread != null) throw new IllegalStateException("the guest is being sampled already");
        kernel.clear();
        user = 0;
        nanos = 0;
        this.hz = hz;
        started = System.nanoTime();
        long period = TimeUnit.SECONDS.toNanos(1) / hz;
        Thread t = Thread.ofPlatform().name("guest-sampler").daemon().unstarted(() -> loop(period));
        thread = t;
        t.start();
    }

    /**
     * Stops sampling and returns what the last run recorded (also after it was stopped: a VM that
     * closes stops its sampler, and the caller still reads the profile); empty when it never ran.
     */
    public GuestProfile stop() {
        Thread t;
        synchronized (this) {
            t = thread;
            thread = null;
            if (t != null) nanos = System.nanoTime() - started;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            Map<Long, Long> counts = new HashMap<>();
            kernel.forEach((rip, n) -> counts.put(rip, n[0]));
            return new GuestProfile(Map.copyOf(counts), user, hz, nanos);
        }
    }

    private void loop(long period) {
        long next = System.nanoTime() + period;
        while (!Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(next - System.nanoTime());
            // A sampler that fell behind (descheduled) skips the rounds it missed rather than kicking in a burst.
            long now = System.nanoTime();
            next = next + period > now ? next + period : now + period;
            round++;
            for (VcpuThread v : vcpus.get()) v.kick();
        }
    }

    /** The round a vCPU thread last sampled in; threads keep their own. */
    long round() {
        return round;
    }

    /**
     * Called on a vCPU thread back from a kick: records where {@code vcpu} is, with {@code regs} and
     * {@code sregs} as scratch (kvm_regs, kvm_sregs). Never throws: a failed read loses the sample.
     */
    void record(VcpuFd vcpu, MemorySegment regs, MemorySegment sregs) {
        long rip;
        boolean userMode;
        try {
            vcpu.getRegs(regs);
            vcpu.getSregs(sregs);
            rip = KvmRegs.rip(regs);
            userMode = KvmSegment.dpl(KvmSregs.cs(sregs)) == 3;
        } catch (RuntimeException e) {
            return;
        }
        synchronized (this) {
            if (thread == null) return;
            if (userMode) user++;
            else kernel.computeIfAbsent(rip, k -> new long[1])[0]++;
        }
    }
}
