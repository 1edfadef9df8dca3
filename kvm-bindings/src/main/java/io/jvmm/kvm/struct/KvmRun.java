package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@code struct kvm_run} (linux/kvm.h, the per-vCPU page mmap'd from the vCPU fd; x86 view). Member names are the C names; the layout is complete, the accessors are the exit fields the VMM reads.
 */
public final class KvmRun {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_BYTE.withName("request_interrupt_window"),
                    JAVA_BYTE.withName("immediate_exit"),
                    sequenceLayout(6, JAVA_BYTE).withName("padding1"),
                    JAVA_INT.withName("exit_reason"),
                    JAVA_BYTE.withName("ready_for_interrupt_injection"),
                    JAVA_BYTE.withName("if_flag"),
                    JAVA_SHORT.withName("flags"),
                    JAVA_LONG.withName("cr8"),
                    JAVA_LONG.withName("apic_base"),
                    unionLayout(
                                    structLayout(JAVA_LONG.withName("hardware_exit_reason"))
                                            .withName("hw"),
                                    structLayout(
                                                    JAVA_LONG.withName("hardware_entry_failure_reason"),
                                                    JAVA_INT.withName("cpu"),
                                                    paddingLayout(4))
                                            .withName("fail_entry"),
                                    structLayout(JAVA_INT.withName("exception"), JAVA_INT.withName("error_code"))
                                            .withName("ex"),
                                    structLayout(
                                                    JAVA_BYTE.withName("direction"),
                                                    JAVA_BYTE.withName("size"),
                                                    JAVA_SHORT.withName("port"),
                                                    JAVA_INT.withName("count"),
                                                    JAVA_LONG.withName("data_offset"))
                                            .withName("io"),
                                    structLayout(structLayout(
                                                            JAVA_INT.withName("exception"),
                                                            JAVA_INT.withName("pad"),
                                                            JAVA_LONG.withName("pc"),
                                                            JAVA_LONG.withName("dr6"),
                                                            JAVA_LONG.withName("dr7"))
                                                    .withName("arch"))
                                            .withName("debug"),
                                    structLayout(
                                                    JAVA_LONG.withName("phys_addr"),
                                                    sequenceLayout(8, JAVA_BYTE).withName("data"),
                                                    JAVA_INT.withName("len"),
                                                    JAVA_BYTE.withName("is_write"),
                                                    paddingLayout(3))
                                            .withName("mmio"),
                                    structLayout(
                                                    JAVA_INT.withName("suberror"),
                                                    JAVA_INT.withName("ndata"),
                                                    sequenceLayout(16, JAVA_LONG)
                                                            .withName("data"))
                                            .withName("internal"),
                                    structLayout(
                                                    JAVA_INT.withName("type"),
                                                    JAVA_INT.withName("ndata"),
                                                    sequenceLayout(16, JAVA_LONG)
                                                            .withName("data"))
                                            .withName("system_event"),
                                    structLayout(JAVA_BYTE.withName("vector")).withName("eoi"),
                                    sequenceLayout(256, JAVA_BYTE).withName("padding"))
                            .withName("$anon_exit"),
                    JAVA_LONG.withName("kvm_valid_regs"),
                    JAVA_LONG.withName("kvm_dirty_regs"),
                    sequenceLayout(2048, JAVA_BYTE).withName("s"))
            .withName("kvm_run");

    /** Offset of {@code immediate_exit}, which any thread may set to make KVM_RUN return. */
    public static final long IMMEDIATE_EXIT_OFFSET = offset("immediate_exit");

    private static final long EXIT_REASON = offset("exit_reason");
    private static final long FAIL_ENTRY_REASON = offset("$anon_exit", "fail_entry", "hardware_entry_failure_reason");
    private static final long FAIL_ENTRY_CPU = offset("$anon_exit", "fail_entry", "cpu");
    private static final long IO_DIRECTION = offset("$anon_exit", "io", "direction");
    private static final long IO_SIZE = offset("$anon_exit", "io", "size");
    private static final long IO_PORT = offset("$anon_exit", "io", "port");
    private static final long IO_COUNT = offset("$anon_exit", "io", "count");
    private static final long IO_DATA_OFFSET = offset("$anon_exit", "io", "data_offset");
    private static final long MMIO_PHYS_ADDR = offset("$anon_exit", "mmio", "phys_addr");
    private static final long MMIO_DATA = offset("$anon_exit", "mmio", "data");
    private static final long MMIO_LEN = offset("$anon_exit", "mmio", "len");
    private static final long MMIO_IS_WRITE = offset("$anon_exit", "mmio", "is_write");
    private static final long INTERNAL_SUBERROR = offset("$anon_exit", "internal", "suberror");
    private static final long INTERNAL_NDATA = offset("$anon_exit", "internal", "ndata");
    private static final long INTERNAL_DATA = offset("$anon_exit", "internal", "data");
    private static final long SYSTEM_EVENT_TYPE = offset("$anon_exit", "system_event", "type");
    private static final long SYSTEM_EVENT_NDATA = offset("$anon_exit", "system_event", "ndata");
    private static final long SYSTEM_EVENT_DATA = offset("$anon_exit", "system_event", "data");
    private static final long EOI_VECTOR = offset("$anon_exit", "eoi", "vector");
    /** The data arrays of {@code internal} and {@code system_event}: {@code __u64 data[16]}. */
    private static final int DATA_WORDS = 16;

    private static long offset(String... path) {
        return LAYOUT.byteOffset(Arrays.stream(path)
                .map(MemoryLayout.PathElement::groupElement)
                .toArray(MemoryLayout.PathElement[]::new));
    }

    /** {@code exit_reason}: a KVM_EXIT_* value. */
    public static int exit_reason(MemorySegment s) {
        return s.get(JAVA_INT, EXIT_REASON);
    }

    /** {@code fail_entry.hardware_entry_failure_reason} (KVM_EXIT_FAIL_ENTRY). */
    public static long fail_entry_hardware_entry_failure_reason(MemorySegment s) {
        return s.get(JAVA_LONG, FAIL_ENTRY_REASON);
    }

    /** {@code fail_entry.cpu}. */
    public static int fail_entry_cpu(MemorySegment s) {
        return s.get(JAVA_INT, FAIL_ENTRY_CPU);
    }

    /** {@code io.direction}: KVM_EXIT_IO_IN or KVM_EXIT_IO_OUT. */
    public static byte io_direction(MemorySegment s) {
        return s.get(JAVA_BYTE, IO_DIRECTION);
    }

    /** {@code io.size}: bytes per access (1, 2 or 4). */
    public static byte io_size(MemorySegment s) {
        return s.get(JAVA_BYTE, IO_SIZE);
    }

    /** {@code io.port}. */
    public static short io_port(MemorySegment s) {
        return s.get(JAVA_SHORT, IO_PORT);
    }

    /** {@code io.count}: accesses (more than one for a rep string instruction). */
    public static int io_count(MemorySegment s) {
        return s.get(JAVA_INT, IO_COUNT);
    }

    /** {@code io.data_offset}: where in the kvm_run mapping the data is. */
    public static long io_data_offset(MemorySegment s) {
        return s.get(JAVA_LONG, IO_DATA_OFFSET);
    }

    /** {@code mmio.phys_addr}. */
    public static long mmio_phys_addr(MemorySegment s) {
        return s.get(JAVA_LONG, MMIO_PHYS_ADDR);
    }

    /** {@code mmio.data}: the 8-byte buffer, as a slice of {@code s}. */
    public static MemorySegment mmio_data(MemorySegment s) {
        return s.asSlice(MMIO_DATA, 8);
    }

    /** {@code mmio.len}. */
    public static int mmio_len(MemorySegment s) {
        return s.get(JAVA_INT, MMIO_LEN);
    }

    /** {@code mmio.is_write}. */
    public static byte mmio_is_write(MemorySegment s) {
        return s.get(JAVA_BYTE, MMIO_IS_WRITE);
    }

    /** {@code internal.suberror} (KVM_EXIT_INTERNAL_ERROR). */
    public static int internal_suberror(MemorySegment s) {
        return s.get(JAVA_INT, INTERNAL_SUBERROR);
    }

    /** {@code internal.ndata}. */
    public static int internal_ndata(MemorySegment s) {
        return s.get(JAVA_INT, INTERNAL_NDATA);
    }

    /** {@code internal.data[index]}. */
    public static long internal_data(MemorySegment s, long index) {
        return s.get(JAVA_LONG, INTERNAL_DATA + 8 * Objects.checkIndex(index, DATA_WORDS));
    }

    /** {@code system_event.type} (KVM_EXIT_SYSTEM_EVENT). */
    public static int system_event_type(MemorySegment s) {
        return s.get(JAVA_INT, SYSTEM_EVENT_TYPE);
    }

    /** {@code system_event.ndata}. */
    public static int system_event_ndata(MemorySegment s) {
        return s.get(JAVA_INT, SYSTEM_EVENT_NDATA);
    }

    /** {@code system_event.data[index]}. */
    public static long system_event_data(MemorySegment s, long index) {
        return s.get(JAVA_LONG, SYSTEM_EVENT_DATA + 8 * Objects.checkIndex(index, DATA_WORDS));
    }

    /** {@code eoi.vector} (KVM_EXIT_IOAPIC_EOI). */
    public static byte eoi_vector(MemorySegment s) {
        return s.get(JAVA_BYTE, EOI_VECTOR);
    }

    private KvmRun() {}
}
