package io.jvmm.core;

import io.jvmm.core.cpu.ExitSink;
import io.jvmm.core.cpu.VcpuThread;
import io.jvmm.core.irq.IoApic;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How one VM ends: the first reported reason wins (a vCPU's exit, a device such as the i8042, or the
 * host's stop), and every vCPU is then kicked out of KVM_RUN. The vCPU loops read {@link #stopping()}
 * before every KVM_RUN, so it is a plain volatile field here.
 */
final class ExitLatch implements ExitSink {
    private final CompletableFuture<VmExit> exit = new CompletableFuture<>();
    /** jvmm's IOAPIC with a split irqchip, else null. */
    private final IoApic ioapic;

    private volatile boolean stopping;
    /** Published once by Vm.start(); end() may read it from any thread. */
    private volatile List<VcpuThread> vcpus = List.of();

    ExitLatch(IoApic ioapic) {
        this.ioapic = ioapic;
    }

    /** The vCPU threads to kick when the VM ends; set once, before they start. */
    void watch(List<VcpuThread> threads) {
        vcpus = List.copyOf(threads);
    }

    List<VcpuThread> vcpus() {
        return vcpus;
    }

    @Override
    public void end(VmExit why) {
        stopping = true;
        if (exit.complete(why)) {
            for (VcpuThread t : vcpus) t.kick();
        }
    }

    @Override
    public boolean stopping() {
        return stopping;
    }

    @Override
    public void ioapicEoi(int vector) {
        if (ioapic != null) ioapic.endOfInterrupt(vector);
    }

    VmExit await() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    Optional<VmExit> await(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    Optional<VmExit> now() {
        return Optional.ofNullable(exit.getNow(null));
    }
}
