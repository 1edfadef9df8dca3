package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct kvm_run} (linux/kvm.h, the per-vCPU page mmap'd from the vCPU fd; x86 view). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
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

    private static final long request_interrupt_window$OFFSET =
            LAYOUT.byteOffset(groupElement("request_interrupt_window"));
    /** Reads {@code request_interrupt_window}. */
    public static byte request_interrupt_window(MemorySegment s) {
        return s.get(JAVA_BYTE, request_interrupt_window$OFFSET);
    }
    /** Writes {@code request_interrupt_window}. */
    public static void request_interrupt_window(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, request_interrupt_window$OFFSET, v);
    }

    private static final long immediate_exit$OFFSET = LAYOUT.byteOffset(groupElement("immediate_exit"));
    /** Reads {@code immediate_exit}. */
    public static byte immediate_exit(MemorySegment s) {
        return s.get(JAVA_BYTE, immediate_exit$OFFSET);
    }
    /** Writes {@code immediate_exit}. */
    public static void immediate_exit(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, immediate_exit$OFFSET, v);
    }

    private static final long padding1$OFFSET = LAYOUT.byteOffset(groupElement("padding1"));
    private static final long padding1$SIZE =
            LAYOUT.select(groupElement("padding1")).byteSize();
    private static final long exit_reason$OFFSET = LAYOUT.byteOffset(groupElement("exit_reason"));
    /** Reads {@code exit_reason}. */
    public static int exit_reason(MemorySegment s) {
        return s.get(JAVA_INT, exit_reason$OFFSET);
    }
    /** Writes {@code exit_reason}. */
    public static void exit_reason(MemorySegment s, int v) {
        s.set(JAVA_INT, exit_reason$OFFSET, v);
    }

    private static final long ready_for_interrupt_injection$OFFSET =
            LAYOUT.byteOffset(groupElement("ready_for_interrupt_injection"));
    /** Reads {@code ready_for_interrupt_injection}. */
    public static byte ready_for_interrupt_injection(MemorySegment s) {
        return s.get(JAVA_BYTE, ready_for_interrupt_injection$OFFSET);
    }
    /** Writes {@code ready_for_interrupt_injection}. */
    public static void ready_for_interrupt_injection(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, ready_for_interrupt_injection$OFFSET, v);
    }

    private static final long if_flag$OFFSET = LAYOUT.byteOffset(groupElement("if_flag"));
    /** Reads {@code if_flag}. */
    public static byte if_flag(MemorySegment s) {
        return s.get(JAVA_BYTE, if_flag$OFFSET);
    }
    /** Writes {@code if_flag}. */
    public static void if_flag(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, if_flag$OFFSET, v);
    }

    private static final long flags$OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Reads {@code flags}. */
    public static short flags(MemorySegment s) {
        return s.get(JAVA_SHORT, flags$OFFSET);
    }
    /** Writes {@code flags}. */
    public static void flags(MemorySegment s, short v) {
        s.set(JAVA_SHORT, flags$OFFSET, v);
    }

    private static final long cr8$OFFSET = LAYOUT.byteOffset(groupElement("cr8"));
    /** Reads {@code cr8}. */
    public static long cr8(MemorySegment s) {
        return s.get(JAVA_LONG, cr8$OFFSET);
    }
    /** Writes {@code cr8}. */
    public static void cr8(MemorySegment s, long v) {
        s.set(JAVA_LONG, cr8$OFFSET, v);
    }

    private static final long apic_base$OFFSET = LAYOUT.byteOffset(groupElement("apic_base"));
    /** Reads {@code apic_base}. */
    public static long apic_base(MemorySegment s) {
        return s.get(JAVA_LONG, apic_base$OFFSET);
    }
    /** Writes {@code apic_base}. */
    public static void apic_base(MemorySegment s, long v) {
        s.set(JAVA_LONG, apic_base$OFFSET, v);
    }

    private static final long anon_exit$OFFSET = LAYOUT.byteOffset(groupElement("$anon_exit"));
    private static final long hw$OFFSET = LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("hw"));
    /** {@code $anon_exit.hw} as a slice of {@code s}. */
    public static MemorySegment hw(MemorySegment s) {
        return s.asSlice(
                hw$OFFSET,
                LAYOUT.select(groupElement("$anon_exit"), groupElement("hw")).byteSize());
    }

    private static final long hw_hardware_exit_reason$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("hw"), groupElement("hardware_exit_reason"));
    /** Reads {@code $anon_exit.hw.hardware_exit_reason}. */
    public static long hw_hardware_exit_reason(MemorySegment s) {
        return s.get(JAVA_LONG, hw_hardware_exit_reason$OFFSET);
    }
    /** Writes {@code $anon_exit.hw.hardware_exit_reason}. */
    public static void hw_hardware_exit_reason(MemorySegment s, long v) {
        s.set(JAVA_LONG, hw_hardware_exit_reason$OFFSET, v);
    }

    private static final long fail_entry$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("fail_entry"));
    /** {@code $anon_exit.fail_entry} as a slice of {@code s}. */
    public static MemorySegment fail_entry(MemorySegment s) {
        return s.asSlice(
                fail_entry$OFFSET,
                LAYOUT.select(groupElement("$anon_exit"), groupElement("fail_entry"))
                        .byteSize());
    }

    private static final long fail_entry_hardware_entry_failure_reason$OFFSET = LAYOUT.byteOffset(
            groupElement("$anon_exit"), groupElement("fail_entry"), groupElement("hardware_entry_failure_reason"));
    /** Reads {@code $anon_exit.fail_entry.hardware_entry_failure_reason}. */
    public static long fail_entry_hardware_entry_failure_reason(MemorySegment s) {
        return s.get(JAVA_LONG, fail_entry_hardware_entry_failure_reason$OFFSET);
    }
    /** Writes {@code $anon_exit.fail_entry.hardware_entry_failure_reason}. */
    public static void fail_entry_hardware_entry_failure_reason(MemorySegment s, long v) {
        s.set(JAVA_LONG, fail_entry_hardware_entry_failure_reason$OFFSET, v);
    }

    private static final long fail_entry_cpu$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("fail_entry"), groupElement("cpu"));
    /** Reads {@code $anon_exit.fail_entry.cpu}. */
    public static int fail_entry_cpu(MemorySegment s) {
        return s.get(JAVA_INT, fail_entry_cpu$OFFSET);
    }
    /** Writes {@code $anon_exit.fail_entry.cpu}. */
    public static void fail_entry_cpu(MemorySegment s, int v) {
        s.set(JAVA_INT, fail_entry_cpu$OFFSET, v);
    }

    private static final long ex$OFFSET = LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("ex"));
    /** {@code $anon_exit.ex} as a slice of {@code s}. */
    public static MemorySegment ex(MemorySegment s) {
        return s.asSlice(
                ex$OFFSET,
                LAYOUT.select(groupElement("$anon_exit"), groupElement("ex")).byteSize());
    }

    private static final long ex_exception$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("ex"), groupElement("exception"));
    /** Reads {@code $anon_exit.ex.exception}. */
    public static int ex_exception(MemorySegment s) {
        return s.get(JAVA_INT, ex_exception$OFFSET);
    }
    /** Writes {@code $anon_exit.ex.exception}. */
    public static void ex_exception(MemorySegment s, int v) {
        s.set(JAVA_INT, ex_exception$OFFSET, v);
    }

    private static final long ex_error_code$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("ex"), groupElement("error_code"));
    /** Reads {@code $anon_exit.ex.error_code}. */
    public static int ex_error_code(MemorySegment s) {
        return s.get(JAVA_INT, ex_error_code$OFFSET);
    }
    /** Writes {@code $anon_exit.ex.error_code}. */
    public static void ex_error_code(MemorySegment s, int v) {
        s.set(JAVA_INT, ex_error_code$OFFSET, v);
    }

    private static final long io$OFFSET = LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("io"));
    /** {@code $anon_exit.io} as a slice of {@code s}. */
    public static MemorySegment io(MemorySegment s) {
        return s.asSlice(
                io$OFFSET,
                LAYOUT.select(groupElement("$anon_exit"), groupElement("io")).byteSize());
    }

    private static final long io_direction$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("io"), groupElement("direction"));
    /** Reads {@code $anon_exit.io.direction}. */
    public static byte io_direction(MemorySegment s) {
        return s.get(JAVA_BYTE, io_direction$OFFSET);
    }
    /** Writes {@code $anon_exit.io.direction}. */
    public static void io_direction(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, io_direction$OFFSET, v);
    }

    private static final long io_size$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("io"), groupElement("size"));
    /** Reads {@code $anon_exit.io.size}. */
    public static byte io_size(MemorySegment s) {
        return s.get(JAVA_BYTE, io_size$OFFSET);
    }
    /** Writes {@code $anon_exit.io.size}. */
    public static void io_size(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, io_size$OFFSET, v);
    }

    private static final long io_port$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("io"), groupElement("port"));
    /** Reads {@code $anon_exit.io.port}. */
    public static short io_port(MemorySegment s) {
        return s.get(JAVA_SHORT, io_port$OFFSET);
    }
    /** Writes {@code $anon_exit.io.port}. */
    public static void io_port(MemorySegment s, short v) {
        s.set(JAVA_SHORT, io_port$OFFSET, v);
    }

    private static final long io_count$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("io"), groupElement("count"));
    /** Reads {@code $anon_exit.io.count}. */
    public static int io_count(MemorySegment s) {
        return s.get(JAVA_INT, io_count$OFFSET);
    }
    /** Writes {@code $anon_exit.io.count}. */
    public static void io_count(MemorySegment s, int v) {
        s.set(JAVA_INT, io_count$OFFSET, v);
    }

    private static final long io_data_offset$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("io"), groupElement("data_offset"));
    /** Reads {@code $anon_exit.io.data_offset}. */
    public static long io_data_offset(MemorySegment s) {
        return s.get(JAVA_LONG, io_data_offset$OFFSET);
    }
    /** Writes {@code $anon_exit.io.data_offset}. */
    public static void io_data_offset(MemorySegment s, long v) {
        s.set(JAVA_LONG, io_data_offset$OFFSET, v);
    }

    private static final long debug$OFFSET = LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("debug"));
    /** {@code $anon_exit.debug} as a slice of {@code s}. */
    public static MemorySegment debug(MemorySegment s) {
        return s.asSlice(
                debug$OFFSET,
                LAYOUT.select(groupElement("$anon_exit"), groupElement("debug")).byteSize());
    }

    private static final long debug_arch$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("debug"), groupElement("arch"));
    /** {@code $anon_exit.debug.arch} as a slice of {@code s}. */
    public static MemorySegment debug_arch(MemorySegment s) {
        return s.asSlice(
                debug_arch$OFFSET,
                LAYOUT.select(groupElement("$anon_exit"), groupElement("debug"), groupElement("arch"))
                        .byteSize());
    }

    private static final long debug_arch_exception$OFFSET = LAYOUT.byteOffset(
            groupElement("$anon_exit"), groupElement("debug"), groupElement("arch"), groupElement("exception"));
    /** Reads {@code $anon_exit.debug.arch.exception}. */
    public static int debug_arch_exception(MemorySegment s) {
        return s.get(JAVA_INT, debug_arch_exception$OFFSET);
    }
    /** Writes {@code $anon_exit.debug.arch.exception}. */
    public static void debug_arch_exception(MemorySegment s, int v) {
        s.set(JAVA_INT, debug_arch_exception$OFFSET, v);
    }

    private static final long debug_arch_pad$OFFSET = LAYOUT.byteOffset(
            groupElement("$anon_exit"), groupElement("debug"), groupElement("arch"), groupElement("pad"));
    private static final long debug_arch_pc$OFFSET = LAYOUT.byteOffset(
            groupElement("$anon_exit"), groupElement("debug"), groupElement("arch"), groupElement("pc"));
    /** Reads {@code $anon_exit.debug.arch.pc}. */
    public static long debug_arch_pc(MemorySegment s) {
        return s.get(JAVA_LONG, debug_arch_pc$OFFSET);
    }
    /** Writes {@code $anon_exit.debug.arch.pc}. */
    public static void debug_arch_pc(MemorySegment s, long v) {
        s.set(JAVA_LONG, debug_arch_pc$OFFSET, v);
    }

    private static final long debug_arch_dr6$OFFSET = LAYOUT.byteOffset(
            groupElement("$anon_exit"), groupElement("debug"), groupElement("arch"), groupElement("dr6"));
    /** Reads {@code $anon_exit.debug.arch.dr6}. */
    public static long debug_arch_dr6(MemorySegment s) {
        return s.get(JAVA_LONG, debug_arch_dr6$OFFSET);
    }
    /** Writes {@code $anon_exit.debug.arch.dr6}. */
    public static void debug_arch_dr6(MemorySegment s, long v) {
        s.set(JAVA_LONG, debug_arch_dr6$OFFSET, v);
    }

    private static final long debug_arch_dr7$OFFSET = LAYOUT.byteOffset(
            groupElement("$anon_exit"), groupElement("debug"), groupElement("arch"), groupElement("dr7"));
    /** Reads {@code $anon_exit.debug.arch.dr7}. */
    public static long debug_arch_dr7(MemorySegment s) {
        return s.get(JAVA_LONG, debug_arch_dr7$OFFSET);
    }
    /** Writes {@code $anon_exit.debug.arch.dr7}. */
    public static void debug_arch_dr7(MemorySegment s, long v) {
        s.set(JAVA_LONG, debug_arch_dr7$OFFSET, v);
    }

    private static final long mmio$OFFSET = LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("mmio"));
    /** {@code $anon_exit.mmio} as a slice of {@code s}. */
    public static MemorySegment mmio(MemorySegment s) {
        return s.asSlice(
                mmio$OFFSET,
                LAYOUT.select(groupElement("$anon_exit"), groupElement("mmio")).byteSize());
    }

    private static final long mmio_phys_addr$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("mmio"), groupElement("phys_addr"));
    /** Reads {@code $anon_exit.mmio.phys_addr}. */
    public static long mmio_phys_addr(MemorySegment s) {
        return s.get(JAVA_LONG, mmio_phys_addr$OFFSET);
    }
    /** Writes {@code $anon_exit.mmio.phys_addr}. */
    public static void mmio_phys_addr(MemorySegment s, long v) {
        s.set(JAVA_LONG, mmio_phys_addr$OFFSET, v);
    }

    private static final long mmio_data$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("mmio"), groupElement("data"));
    private static final long mmio_data$SIZE = LAYOUT.select(
                    groupElement("$anon_exit"), groupElement("mmio"), groupElement("data"))
            .byteSize();
    /** The {@code $anon_exit.mmio.data} array as a slice of {@code s}. */
    public static MemorySegment mmio_data(MemorySegment s) {
        return s.asSlice(mmio_data$OFFSET, mmio_data$SIZE);
    }
    /** Reads {@code $anon_exit.mmio.data[index]}. */
    public static byte mmio_data(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_BYTE, mmio_data$OFFSET / JAVA_BYTE.byteSize() + Objects.checkIndex(index, 8));
    }
    /** Writes {@code $anon_exit.mmio.data[index]}. */
    public static void mmio_data(MemorySegment s, long index, byte v) {
        s.setAtIndex(JAVA_BYTE, mmio_data$OFFSET / JAVA_BYTE.byteSize() + Objects.checkIndex(index, 8), v);
    }

    private static final long mmio_len$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("mmio"), groupElement("len"));
    /** Reads {@code $anon_exit.mmio.len}. */
    public static int mmio_len(MemorySegment s) {
        return s.get(JAVA_INT, mmio_len$OFFSET);
    }
    /** Writes {@code $anon_exit.mmio.len}. */
    public static void mmio_len(MemorySegment s, int v) {
        s.set(JAVA_INT, mmio_len$OFFSET, v);
    }

    private static final long mmio_is_write$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("mmio"), groupElement("is_write"));
    /** Reads {@code $anon_exit.mmio.is_write}. */
    public static byte mmio_is_write(MemorySegment s) {
        return s.get(JAVA_BYTE, mmio_is_write$OFFSET);
    }
    /** Writes {@code $anon_exit.mmio.is_write}. */
    public static void mmio_is_write(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, mmio_is_write$OFFSET, v);
    }

    private static final long internal$OFFSET = LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("internal"));
    /** {@code $anon_exit.internal} as a slice of {@code s}. */
    public static MemorySegment internal(MemorySegment s) {
        return s.asSlice(
                internal$OFFSET,
                LAYOUT.select(groupElement("$anon_exit"), groupElement("internal"))
                        .byteSize());
    }

    private static final long internal_suberror$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("internal"), groupElement("suberror"));
    /** Reads {@code $anon_exit.internal.suberror}. */
    public static int internal_suberror(MemorySegment s) {
        return s.get(JAVA_INT, internal_suberror$OFFSET);
    }
    /** Writes {@code $anon_exit.internal.suberror}. */
    public static void internal_suberror(MemorySegment s, int v) {
        s.set(JAVA_INT, internal_suberror$OFFSET, v);
    }

    private static final long internal_ndata$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("internal"), groupElement("ndata"));
    /** Reads {@code $anon_exit.internal.ndata}. */
    public static int internal_ndata(MemorySegment s) {
        return s.get(JAVA_INT, internal_ndata$OFFSET);
    }
    /** Writes {@code $anon_exit.internal.ndata}. */
    public static void internal_ndata(MemorySegment s, int v) {
        s.set(JAVA_INT, internal_ndata$OFFSET, v);
    }

    private static final long internal_data$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("internal"), groupElement("data"));
    private static final long internal_data$SIZE = LAYOUT.select(
                    groupElement("$anon_exit"), groupElement("internal"), groupElement("data"))
            .byteSize();
    /** The {@code $anon_exit.internal.data} array as a slice of {@code s}. */
    public static MemorySegment internal_data(MemorySegment s) {
        return s.asSlice(internal_data$OFFSET, internal_data$SIZE);
    }
    /** Reads {@code $anon_exit.internal.data[index]}. */
    public static long internal_data(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_LONG, internal_data$OFFSET / JAVA_LONG.byteSize() + Objects.checkIndex(index, 16));
    }
    /** Writes {@code $anon_exit.internal.data[index]}. */
    public static void internal_data(MemorySegment s, long index, long v) {
        s.setAtIndex(JAVA_LONG, internal_data$OFFSET / JAVA_LONG.byteSize() + Objects.checkIndex(index, 16), v);
    }

    private static final long system_event$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("system_event"));
    /** {@code $anon_exit.system_event} as a slice of {@code s}. */
    public static MemorySegment system_event(MemorySegment s) {
        return s.asSlice(
                system_event$OFFSET,
                LAYOUT.select(groupElement("$anon_exit"), groupElement("system_event"))
                        .byteSize());
    }

    private static final long system_event_type$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("system_event"), groupElement("type"));
    /** Reads {@code $anon_exit.system_event.type}. */
    public static int system_event_type(MemorySegment s) {
        return s.get(JAVA_INT, system_event_type$OFFSET);
    }
    /** Writes {@code $anon_exit.system_event.type}. */
    public static void system_event_type(MemorySegment s, int v) {
        s.set(JAVA_INT, system_event_type$OFFSET, v);
    }

    private static final long system_event_ndata$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("system_event"), groupElement("ndata"));
    /** Reads {@code $anon_exit.system_event.ndata}. */
    public static int system_event_ndata(MemorySegment s) {
        return s.get(JAVA_INT, system_event_ndata$OFFSET);
    }
    /** Writes {@code $anon_exit.system_event.ndata}. */
    public static void system_event_ndata(MemorySegment s, int v) {
        s.set(JAVA_INT, system_event_ndata$OFFSET, v);
    }

    private static final long system_event_data$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("system_event"), groupElement("data"));
    private static final long system_event_data$SIZE = LAYOUT.select(
                    groupElement("$anon_exit"), groupElement("system_event"), groupElement("data"))
            .byteSize();
    /** The {@code $anon_exit.system_event.data} array as a slice of {@code s}. */
    public static MemorySegment system_event_data(MemorySegment s) {
        return s.asSlice(system_event_data$OFFSET, system_event_data$SIZE);
    }
    /** Reads {@code $anon_exit.system_event.data[index]}. */
    public static long system_event_data(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_LONG, system_event_data$OFFSET / JAVA_LONG.byteSize() + Objects.checkIndex(index, 16));
    }
    /** Writes {@code $anon_exit.system_event.data[index]}. */
    public static void system_event_data(MemorySegment s, long index, long v) {
        s.setAtIndex(JAVA_LONG, system_event_data$OFFSET / JAVA_LONG.byteSize() + Objects.checkIndex(index, 16), v);
    }

    private static final long padding$OFFSET = LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("padding"));
    private static final long padding$SIZE =
            LAYOUT.select(groupElement("$anon_exit"), groupElement("padding")).byteSize();
    private static final long kvm_valid_regs$OFFSET = LAYOUT.byteOffset(groupElement("kvm_valid_regs"));
    /** Reads {@code kvm_valid_regs}. */
    public static long kvm_valid_regs(MemorySegment s) {
        return s.get(JAVA_LONG, kvm_valid_regs$OFFSET);
    }
    /** Writes {@code kvm_valid_regs}. */
    public static void kvm_valid_regs(MemorySegment s, long v) {
        s.set(JAVA_LONG, kvm_valid_regs$OFFSET, v);
    }

    private static final long kvm_dirty_regs$OFFSET = LAYOUT.byteOffset(groupElement("kvm_dirty_regs"));
    /** Reads {@code kvm_dirty_regs}. */
    public static long kvm_dirty_regs(MemorySegment s) {
        return s.get(JAVA_LONG, kvm_dirty_regs$OFFSET);
    }
    /** Writes {@code kvm_dirty_regs}. */
    public static void kvm_dirty_regs(MemorySegment s, long v) {
        s.set(JAVA_LONG, kvm_dirty_regs$OFFSET, v);
    }

    private static final long s$OFFSET = LAYOUT.byteOffset(groupElement("s"));
    private static final long s$SIZE = LAYOUT.select(groupElement("s")).byteSize();
    /** The {@code s} array as a slice of {@code s}. */
    public static MemorySegment s(MemorySegment s) {
        return s.asSlice(s$OFFSET, s$SIZE);
    }
    /** Reads {@code s[index]}. */
    public static byte s(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_BYTE, s$OFFSET / JAVA_BYTE.byteSize() + Objects.checkIndex(index, 2048));
    }
    /** Writes {@code s[index]}. */
    public static void s(MemorySegment s, long index, byte v) {
        s.setAtIndex(JAVA_BYTE, s$OFFSET / JAVA_BYTE.byteSize() + Objects.checkIndex(index, 2048), v);
    }

    /** A zeroed {@code kvm_run}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    /** Offset of the anonymous exit-information union (hw, io, mmio, ...) inside kvm_run. */
    public static final long EXIT_UNION_OFFSET = anon_exit$OFFSET;
    /** Size of that union: 256 bytes, fixed by its {@code char padding[256]} member. */
    public static final long EXIT_UNION_SIZE =
            LAYOUT.select(groupElement("$anon_exit")).byteSize();

    private static final long eoi_vector$OFFSET =
            LAYOUT.byteOffset(groupElement("$anon_exit"), groupElement("eoi"), groupElement("vector"));
    /** Reads {@code eoi.vector} (KVM_EXIT_IOAPIC_EOI). */
    public static byte eoi_vector(MemorySegment s) {
        return s.get(JAVA_BYTE, eoi_vector$OFFSET);
    }

    private KvmRun() {}
}
