package io.jvmm.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Why one KVM_RUN returned, decoded from {@code kvm_run}. Data segments are slices of the vCPU's
 * kvm_run mapping: valid until the next {@link VcpuFd#run()}, and for {@link IoIn} and
 * {@link MmioRead} the VMM writes the result into them before running again.
 */
public sealed interface VcpuExit {
    int KVM_EXIT_UNKNOWN = 0,
            KVM_EXIT_EXCEPTION = 1,
            KVM_EXIT_IO = 2,
            KVM_EXIT_HYPERCALL = 3,
            KVM_EXIT_DEBUG = 4,
            KVM_EXIT_HLT = 5,
            KVM_EXIT_MMIO = 6,
            KVM_EXIT_IRQ_WINDOW_OPEN = 7,
            KVM_EXIT_SHUTDOWN = 8,
            KVM_EXIT_FAIL_ENTRY = 9,
            KVM_EXIT_INTR = 10,
            KVM_EXIT_INTERNAL_ERROR = 17,
            KVM_EXIT_SYSTEM_EVENT = 24,
            KVM_EXIT_IOAPIC_EOI = 26;
    /** kvm_run.io.direction values. */
    int KVM_EXIT_IO_IN = 0, KVM_EXIT_IO_OUT = 1;
    /** kvm_run.system_event.type values (linux/kvm.h). */
    int KVM_SYSTEM_EVENT_SHUTDOWN = 1, KVM_SYSTEM_EVENT_RESET = 2, KVM_SYSTEM_EVENT_CRASH = 3;

    /** The guest wrote {@code size * count} bytes ({@code data}) to I/O port {@code port}. */
    record IoOut(int port, int size, int count, MemorySegment data) implements VcpuExit {
        @Override
        public String toString() {
            return "IoOut[port=0x" + Integer.toHexString(port) + ", size=" + size + ", count=" + count + ", data="
                    + hex(data) + "]";
        }
    }

    /** The guest reads I/O port {@code port}; fill {@code data} ({@code size * count} bytes) before the next run. */
    record IoIn(int port, int size, int count, MemorySegment data) implements VcpuExit {
        @Override
        public String toString() {
            return "IoIn[port=0x" + Integer.toHexString(port) + ", size=" + size + ", count=" + count + "]";
        }
    }

    /** The guest reads {@code length} bytes at MMIO {@code address}; fill {@code data} before the next run. */
    record MmioRead(long address, int length, MemorySegment data) implements VcpuExit {
        @Override
        public String toString() {
            return "MmioRead[0x" + Long.toHexString(address) + ", length=" + length + "]";
        }
    }

    /** The guest wrote {@code data} ({@code length} bytes) at MMIO {@code address}. */
    record MmioWrite(long address, int length, MemorySegment data) implements VcpuExit {
        @Override
        public String toString() {
            return "MmioWrite[0x" + Long.toHexString(address) + ", length=" + length + ", data=" + hex(data) + "]";
        }
    }

    /** HLT reached user space (only without an in-kernel irqchip). */
    record Hlt() implements VcpuExit {}

    /** Triple fault: the guest is dead or wants a reset. */
    record Shutdown() implements VcpuExit {}

    /** KVM_EXIT_SYSTEM_EVENT: {@code type} is one of KVM_SYSTEM_EVENT_*. */
    record SystemEvent(int type, long[] data) implements VcpuExit {
        @Override
        public String toString() {
            return "SystemEvent[type=" + type + ", data=" + Arrays.toString(data) + "]";
        }
    }

    /** KVM could not handle the exit itself; {@code suberror} is KVM_INTERNAL_ERROR_*. */
    record InternalError(int suberror, long[] data) implements VcpuExit {
        @Override
        public String toString() {
            return "InternalError[suberror=" + suberror + ", data=" + Arrays.toString(data) + "]";
        }
    }

    /** VM entry failed; the reason is the hardware's (VMX exit qualification or SVM code). */
    record FailEntry(long hardwareEntryFailureReason, int cpu) implements VcpuExit {}

    /** KVM_RUN was interrupted (EINTR/EAGAIN, KVM_EXIT_INTR, or a {@link VcpuFd#kick()}). */
    record Interrupted() implements VcpuExit {}

    /**
     * With a split irqchip, the guest's local APIC acknowledged (EOI) {@code vector}, which a
     * level-triggered route of the user-space IOAPIC uses: the IOAPIC may deliver that pin again.
     */
    record IoapicEoi(int vector) implements VcpuExit {}

    /** A debug exit (single step or breakpoint). */
    record Debug() implements VcpuExit {}

    /** An exit reason this decoder does not know. */
    record Unknown(int reason) implements VcpuExit {}

    private static String hex(MemorySegment data) {
        return HexFormat.of().formatHex(data.toArray(ValueLayout.JAVA_BYTE));
    }
}
