package io.jvmm.core.cpu;

import io.jvmm.core.VmExit;

/** What a vCPU loop reports to its VM: the first reported ending wins, and every vCPU then stops. */
public interface ExitSink {
    /** Records why the VM ends (ignored if it already ended) and stops every vCPU. */
    void end(VmExit exit);

    /** True once the VM is ending; vCPU loops check it before every KVM_RUN. */
    boolean stopping();

    /** KVM_EXIT_IOAPIC_EOI (split irqchip): the guest acknowledged {@code vector}. */
    default void ioapicEoi(int vector) {}
}
