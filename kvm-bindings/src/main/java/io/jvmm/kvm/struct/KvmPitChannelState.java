package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_pit_channel_state} (asm/kvm.h, one channel inside kvm_pit_state2). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmPitChannelState {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("count"),
                    JAVA_SHORT.withName("latched_count"),
                    JAVA_BYTE.withName("count_latched"),
                    JAVA_BYTE.withName("status_latched"),
                    JAVA_BYTE.withName("status"),
                    JAVA_BYTE.withName("read_state"),
                    JAVA_BYTE.withName("write_state"),
                    JAVA_BYTE.withName("write_latch"),
                    JAVA_BYTE.withName("rw_mode"),
                    JAVA_BYTE.withName("mode"),
                    JAVA_BYTE.withName("bcd"),
                    JAVA_BYTE.withName("gate"),
                    JAVA_LONG.withName("count_load_time"))
            .withName("kvm_pit_channel_state");

    private static final long count$OFFSET = LAYOUT.byteOffset(groupElement("count"));
    /** Reads {@code count}. */
    public static int count(MemorySegment s) {
        return s.get(JAVA_INT, count$OFFSET);
    }
    /** Writes {@code count}. */
    public static void count(MemorySegment s, int v) {
        s.set(JAVA_INT, count$OFFSET, v);
    }

    private static final long latched_count$OFFSET = LAYOUT.byteOffset(groupElement("latched_count"));
    /** Reads {@code latched_count}. */
    public static short latched_count(MemorySegment s) {
        return s.get(JAVA_SHORT, latched_count$OFFSET);
    }
    /** Writes {@code latched_count}. */
    public static void latched_count(MemorySegment s, short v) {
        s.set(JAVA_SHORT, latched_count$OFFSET, v);
    }

    private static final long count_latched$OFFSET = LAYOUT.byteOffset(groupElement("count_latched"));
    /** Reads {@code count_latched}. */
    public static byte count_latched(MemorySegment s) {
        return s.get(JAVA_BYTE, count_latched$OFFSET);
    }
    /** Writes {@code count_latched}. */
    public static void count_latched(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, count_latched$OFFSET, v);
    }

    private static final long status_latched$OFFSET = LAYOUT.byteOffset(groupElement("status_latched"));
    /** Reads {@code status_latched}. */
    public static byte status_latched(MemorySegment s) {
        return s.get(JAVA_BYTE, status_latched$OFFSET);
    }
    /** Writes {@code status_latched}. */
    public static void status_latched(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, status_latched$OFFSET, v);
    }

    private static final long status$OFFSET = LAYOUT.byteOffset(groupElement("status"));
    /** Reads {@code status}. */
    public static byte status(MemorySegment s) {
        return s.get(JAVA_BYTE, status$OFFSET);
    }
    /** Writes {@code status}. */
    public static void status(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, status$OFFSET, v);
    }

    private static final long read_state$OFFSET = LAYOUT.byteOffset(groupElement("read_state"));
    /** Reads {@code read_state}. */
    public static byte read_state(MemorySegment s) {
        return s.get(JAVA_BYTE, read_state$OFFSET);
    }
    /** Writes {@code read_state}. */
    public static void read_state(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, read_state$OFFSET, v);
    }

    private static final long write_state$OFFSET = LAYOUT.byteOffset(groupElement("write_state"));
    /** Reads {@code write_state}. */
    public static byte write_state(MemorySegment s) {
        return s.get(JAVA_BYTE, write_state$OFFSET);
    }
    /** Writes {@code write_state}. */
    public static void write_state(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, write_state$OFFSET, v);
    }

    private static final long write_latch$OFFSET = LAYOUT.byteOffset(groupElement("write_latch"));
    /** Reads {@code write_latch}. */
    public static byte write_latch(MemorySegment s) {
        return s.get(JAVA_BYTE, write_latch$OFFSET);
    }
    /** Writes {@code write_latch}. */
    public static void write_latch(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, write_latch$OFFSET, v);
    }

    private static final long rw_mode$OFFSET = LAYOUT.byteOffset(groupElement("rw_mode"));
    /** Reads {@code rw_mode}. */
    public static byte rw_mode(MemorySegment s) {
        return s.get(JAVA_BYTE, rw_mode$OFFSET);
    }
    /** Writes {@code rw_mode}. */
    public static void rw_mode(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, rw_mode$OFFSET, v);
    }

    private static final long mode$OFFSET = LAYOUT.byteOffset(groupElement("mode"));
    /** Reads {@code mode}. */
    public static byte mode(MemorySegment s) {
        return s.get(JAVA_BYTE, mode$OFFSET);
    }
    /** Writes {@code mode}. */
    public static void mode(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, mode$OFFSET, v);
    }

    private static final long bcd$OFFSET = LAYOUT.byteOffset(groupElement("bcd"));
    /** Reads {@code bcd}. */
    public static byte bcd(MemorySegment s) {
        return s.get(JAVA_BYTE, bcd$OFFSET);
    }
    /** Writes {@code bcd}. */
    public static void bcd(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, bcd$OFFSET, v);
    }

    private static final long gate$OFFSET = LAYOUT.byteOffset(groupElement("gate"));
    /** Reads {@code gate}. */
    public static byte gate(MemorySegment s) {
        return s.get(JAVA_BYTE, gate$OFFSET);
    }
    /** Writes {@code gate}. */
    public static void gate(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, gate$OFFSET, v);
    }

    private static final long count_load_time$OFFSET = LAYOUT.byteOffset(groupElement("count_load_time"));
    /** Reads {@code count_load_time}. */
    public static long count_load_time(MemorySegment s) {
        return s.get(JAVA_LONG, count_load_time$OFFSET);
    }
    /** Writes {@code count_load_time}. */
    public static void count_load_time(MemorySegment s, long v) {
        s.set(JAVA_LONG, count_load_time$OFFSET, v);
    }

    /** A zeroed {@code kvm_pit_channel_state}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmPitChannelState() {}
}
