package io.jvmm.core.cpu;

import io.jvmm.core.VmExit;
import io.jvmm.core.bus.Bus;
import io.jvmm.kvm.VcpuExit;
import io.jvmm.kvm.VcpuFd;
import io.jvmm.kvm.struct.KvmRegs;
import io.jvmm.kvm.struct.KvmSregs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;

/**
 * One vCPU's run loop on its own platform thread ({@code vcpu-N}): KVM_RUN, dispatch the exit to a
 * bus, repeat until the VM ends.
 *
 * <p>Stopping: a thread inside KVM_RUN does not see Java interrupts, so {@link #kick()} sets
 * kvm_run.immediate_exit and signals the thread (see kvm-bindings' README). The thread unbinds itself
 * from its vCPU before it ends, so a late kick never signals a pthread that is gone. A kick is
 * also how a {@link GuestSampler} asks where the vCPU is.
 */
public final class VcpuThread {
    private final int index;
    private final VcpuFd vcpu;
    private final Bus pio;
    private final Bus mmio;
    private final ExitSink sink;
    private final Thread thread;
    private final LongAdder pioExits;
    private final LongAdder mmioExits;
    private final PauseGate gate;
    private final GuestSampler sampler;
    /** The sampler's last round this thread sampled in, and its register scratch (made on first use). */
    private long sampledRound;

    private MemorySegment regs, sregs;

    public VcpuThread(
            int index,
            VcpuFd vcpu,
            Bus pio,
            Bus mmio,
            ExitSink sink,
            LongAdder pioExits,
            LongAdder mmioExits,
            PauseGate gate,
            GuestSampler sampler) {
        this.gate = gate;
        this.sampler = sampler;
        this.index = index;
        this.vcpu = vcpu;
        this.pio = pio;
        this.mmio = mmio;
        this.sink = sink;
        this.pioExits = pioExits;
        this.mmioExits = mmioExits;
        this.thread = Thread.ofPlatform().name("vcpu-" + index).unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** Makes the thread leave KVM_RUN soon; safe from any thread, at any time. */
    public void kick() {
        vcpu.kick();
    }

    /** Waits up to {@code millis} for the loop to end; true when it has (or never started). */
    public boolean join(long millis) throws InterruptedException {
        if (thread.getState() == Thread.State.NEW) return true;
        thread.join(millis);
        return !thread.isAlive();
    }

    private void run() {
        vcpu.bindToCurrentThread();
        try {
            loop();
        } catch (Throwable t) {
            sink.end(new VmExit.Crashed(index, "vCPU thread failed: " + t, ""));
        } finally {
            vcpu.unbindThread();
        }
    }

    private void loop() {
        while (!sink.stopping()) {
            VcpuExit exit = vcpu.run();
            // An instanceof chain, not a pattern switch: the switch's typeSwitch bootstrap spins a
            // class at run time (~10 ms of start-up that the AOT cache cannot keep). Most frequent first.
            if (exit instanceof VcpuExit.IoOut io) {
                pioExits.increment();
                for (int i = 0; i < io.count(); i++)
                    pio.write(io.port(), io.data().asSlice((long) i * io.size(), io.size()));
            } else if (exit instanceof VcpuExit.IoIn io) {
                pioExits.increment();
                for (int i = 0; i < io.count(); i++)
                    pio.read(io.port(), io.data().asSlice((long) i * io.size(), io.size()));
            } else if (exit instanceof VcpuExit.MmioWrite m) {
                mmioExits.increment();
                mmio.write(m.address(), m.data());
            } else if (exit instanceof VcpuExit.MmioRead m) {
                mmioExits.increment();
                mmio.read(m.address(), m.data());
            } else if (exit instanceof VcpuExit.Interrupted) {
                // A kick: stopping ends the loop, a pause parks here (this KVM_RUN ran with
                // immediate_exit, so the last exit's instruction is complete). Else a stray signal.
                if (!sink.stopping() && gate.requested()) gate.park(sink);
                if (!sink.stopping()) vcpu.clearKick();
                if (sampler.round() != sampledRound) sample();
            } else if (exit instanceof VcpuExit.IoapicEoi e) {
                sink.ioapicEoi(e.vector());
            } else if (exit instanceof VcpuExit.Hlt) {
                sink.end(new VmExit.Crashed(index, "guest halted with no interrupt controller to wake it", dump()));
            } else if (exit instanceof VcpuExit.Shutdown) {
                sink.end(new VmExit.TripleFault(index, dump()));
            } else if (exit instanceof VcpuExit.SystemEvent e) {
                sink.end(systemEvent(e));
            } else if (exit instanceof VcpuExit.InternalError e) {
                sink.end(new VmExit.Crashed(
                        index,
                        "KVM internal error, suberror " + e.suberror()
                                + (e.suberror() == 1 ? " (emulation failure)" : "") + dataSuffix(e.data()),
                        dump()));
            } else if (exit instanceof VcpuExit.FailEntry f) {
                sink.end(new VmExit.Crashed(
                        index,
                        String.format(
                                "KVM could not enter the guest (hardware reason 0x%x)", f.hardwareEntryFailureReason()),
                        dump()));
            } else if (exit instanceof VcpuExit.Unknown u) {
                sink.end(new VmExit.Crashed(index, "unhandled KVM exit reason " + u.reason(), dump()));
            }
            // VcpuExit.Debug: nothing to do (no guest debugging yet)
        }
    }

    private void sample() {
        sampledRound = sampler.round();
        if (regs == null) {
            regs = Arena.ofAuto().allocate(KvmRegs.LAYOUT);
            sregs = Arena.ofAuto().allocate(KvmSregs.LAYOUT);
        }
        sampler.record(vcpu, regs, sregs);
    }

    private VmExit systemEvent(VcpuExit.SystemEvent e) {
        return switch (e.type()) {
            case VcpuExit.KVM_SYSTEM_EVENT_SHUTDOWN -> new VmExit.PowerOff();
            case VcpuExit.KVM_SYSTEM_EVENT_RESET -> new VmExit.Reset("KVM reset event");
            default -> new VmExit.Crashed(index, "KVM system event " + e.type() + " (guest crash)", dump());
        };
    }

    private static String dataSuffix(long[] data) {
        if (data == null || data.length == 0) return "";
        StringBuilder b = new StringBuilder(", data");
        for (long d : data) b.append(String.format(" 0x%x", d));
        return b.toString();
    }

    private String dump() {
        return RegisterDump.of(vcpu);
    }
}
