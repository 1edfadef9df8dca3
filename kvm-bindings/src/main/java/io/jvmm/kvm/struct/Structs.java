package io.jvmm.kvm.struct;

import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * Every struct class in this package, so tools (LayoutAgreementTest, snapshot code) can walk them
 * all. A test fails when a class is added to the package but not here.
 */
public final class Structs {
    /** All struct classes; each has a {@code public static final StructLayout LAYOUT}. */
    public static final List<Class<?>> ALL = List.of(
            KvmClockData.class,
            KvmCpuid2.class,
            KvmCpuidEntry2.class,
            KvmDtable.class,
            KvmEnableCap.class,
            KvmFpu.class,
            KvmIoapicState.class,
            KvmIoeventfd.class,
            KvmIrqLevel.class,
            KvmIrqRouting.class,
            KvmIrqRoutingEntry.class,
            KvmIrqchip.class,
            KvmMsi.class,
            KvmIrqfd.class,
            KvmLapicState.class,
            KvmMpState.class,
            KvmMsrEntry.class,
            KvmMsrList.class,
            KvmMsrs.class,
            KvmPicState.class,
            KvmPitChannelState.class,
            KvmPitConfig.class,
            KvmPitState2.class,
            KvmRegs.class,
            KvmRun.class,
            KvmSegment.class,
            KvmSregs.class,
            KvmUserspaceMemoryRegion.class,
            KvmVcpuEvents.class,
            KvmXcr.class,
            KvmXcrs.class,
            KvmXsave.class);

    /** The {@code LAYOUT} of a class from {@link #ALL}. */
    public static StructLayout layoutOf(Class<?> structClass) {
        try {
            return (StructLayout) structClass.getField("LAYOUT").get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(structClass.getName() + " has no public static LAYOUT", e);
        }
    }

    private Structs() {}
}
