package io.jvmm.kvm;

import io.jvmm.kvm.struct.KvmRun;
import java.lang.foreign.MemorySegment;

/** Turns the exit fields of one vCPU's kvm_run into a {@link VcpuExit}. */
final class ExitDecoder {
    static final VcpuExit.Interrupted INTERRUPTED = new VcpuExit.Interrupted();
    private static final VcpuExit.Hlt HLT = new VcpuExit.Hlt();
    private static final VcpuExit.Shutdown SHUTDOWN = new VcpuExit.Shutdown();
    private static final VcpuExit.Debug DEBUG = new VcpuExit.Debug();
    private static final int MAX_DATA = 16; // internal.data and system_event.data are u64[16]

    private final MemorySegment run;

    ExitDecoder(MemorySegment run) {
        this.run = run;
    }

    VcpuExit decode() {
        int reason = KvmRun.exit_reason(run);
        return switch (reason) {
            case VcpuExit.KVM_EXIT_IO -> io();
            case VcpuExit.KVM_EXIT_MMIO -> mmio();
            case VcpuExit.KVM_EXIT_HLT -> HLT;
            case VcpuExit.KVM_EXIT_SHUTDOWN -> SHUTDOWN;
            case VcpuExit.KVM_EXIT_INTR -> INTERRUPTED;
            case VcpuExit.KVM_EXIT_DEBUG -> DEBUG;
            case VcpuExit.KVM_EXIT_FAIL_ENTRY ->
                new VcpuExit.FailEntry(
                        KvmRun.fail_entry_hardware_entry_failure_reason(run), KvmRun.fail_entry_cpu(run));
            case VcpuExit.KVM_EXIT_INTERNAL_ERROR ->
                new VcpuExit.InternalError(KvmRun.internal_suberror(run), data(KvmRun.internal_ndata(run), true));
            case VcpuExit.KVM_EXIT_IOAPIC_EOI -> new VcpuExit.IoapicEoi(Byte.toUnsignedInt(KvmRun.eoi_vector(run)));
            case VcpuExit.KVM_EXIT_SYSTEM_EVENT ->
                new VcpuExit.SystemEvent(KvmRun.system_event_type(run), data(KvmRun.system_event_ndata(run), false));
            default -> new VcpuExit.Unknown(reason);
        };
    }

    private VcpuExit io() {
        int size = Byte.toUnsignedInt(KvmRun.io_size(run));
        int port = Short.toUnsignedInt(KvmRun.io_port(run));
        int count = KvmRun.io_count(run);
        // The kernel chose data_offset; asSlice still bounds-checks it against the mapping.
        MemorySegment data = run.asSlice(KvmRun.io_data_offset(run), (long) size * Integer.toUnsignedLong(count));
        return KvmRun.io_direction(run) == VcpuExit.KVM_EXIT_IO_OUT
                ? new VcpuExit.IoOut(port, size, count, data)
                : new VcpuExit.IoIn(port, size, count, data);
    }

    private VcpuExit mmio() {
        long address = KvmRun.mmio_phys_addr(run);
        int length = Math.min(KvmRun.mmio_len(run), 8);
        MemorySegment data = KvmRun.mmio_data(run).asSlice(0, length);
        return KvmRun.mmio_is_write(run) != 0
                ? new VcpuExit.MmioWrite(address, length, data)
                : new VcpuExit.MmioRead(address, length, data);
    }

    private long[] data(int ndata, boolean internal) {
        int n = Math.clamp(Integer.toUnsignedLong(ndata), 0, MAX_DATA);
        long[] data = new long[n];
        for (int i = 0; i < n; i++) {
            data[i] = internal ? KvmRun.internal_data(run, i) : KvmRun.system_event_data(run, i);
        }
        return data;
    }
}
