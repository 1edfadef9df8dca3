package io.jvmm.core.arch.x86;

import io.jvmm.memory.GuestMemory;

/**
 * The boot GDT. Linux's boot protocol wants flat __BOOT_CS at selector 0x10 and __BOOT_DS at 0x18;
 * PVH wants a 32-bit flat code and data segment and a TSS. Both layouts put code at 0x10, data at
 * 0x18 and the TSS at 0x20, so one table shape serves both entry modes.
 */
public final class Gdt {
    private Gdt() {}

    public static final int CODE_SELECTOR = 0x10;
    public static final int DATA_SELECTOR = 0x18;
    public static final int TSS_SELECTOR = 0x20;

    /** Descriptor flags: access byte in bits 0-7, G/DB/L/AVL in bits 12-15 (Intel SDM vol. 3, 3.4.5). */
    public static final int CODE64 = 0xa09b;

    public static final int CODE32 = 0xc09b;
    public static final int DATA = 0xc093;
    public static final int TSS64 = 0x808b;
    public static final int TSS32 = 0x008b;

    /** A decoded descriptor, in the shape KVM's struct kvm_segment wants. */
    public record Segment(
            long base, int limit, int selector, int type, int present, int dpl, int db, int s, int l, int g, int avl) {
        /** From a GDT descriptor's fields; {@code limit} as stored (20 bits, scaled by G). */
        public static Segment of(int selector, int flags, long base, int rawLimit) {
            int g = (flags >>> 15) & 1;
            int limit = g == 1 ? (rawLimit << 12) | 0xfff : rawLimit;
            return new Segment(
                    base,
                    limit,
                    selector,
                    flags & 0xf,
                    (flags >>> 7) & 1,
                    (flags >>> 5) & 3,
                    (flags >>> 14) & 1,
                    (flags >>> 4) & 1,
                    (flags >>> 13) & 1,
                    g,
                    (flags >>> 12) & 1);
        }
    }

    /** The 8-byte descriptor for {@code flags}, {@code base}, {@code limit} (20-bit). */
    public static long entry(int flags, long base, int limit) {
        return ((base & 0xff00_0000L) << 32)
                | (((long) flags & 0xf0ff) << 40)
                | (((long) limit & 0xf_0000) << 32)
                | ((base & 0x00ff_ffffL) << 16)
                | (limit & 0xffffL);
    }

    /** Writes the 5-entry table at {@link Layout#BOOT_GDT}; returns {code, data, tss} segments. */
    public static Segment[] write(GuestMemory mem, boolean longMode) {
        int code = longMode ? CODE64 : CODE32;
        int tss = longMode ? TSS64 : TSS32;
        long[] table = {0, 0, entry(code, 0, 0xfffff), entry(DATA, 0, 0xfffff), entry(tss, 0, 0x67)};
        for (int i = 0; i < table.length; i++) mem.writeLong(Layout.BOOT_GDT + 8L * i, table[i]);
        mem.writeLong(Layout.BOOT_IDT, 0);
        return new Segment[] {
            Segment.of(CODE_SELECTOR, code, 0, 0xfffff),
            Segment.of(DATA_SELECTOR, DATA, 0, 0xfffff),
            Segment.of(TSS_SELECTOR, tss, 0, 0x67),
        };
    }

    public static int limit() {
        return 5 * 8 - 1;
    }
}
