package io.jvmm.core.snapshot;

import io.jvmm.core.irq.IoApic;
import io.jvmm.kvm.VmFd;
import io.jvmm.kvm.struct.KvmClockData;
import io.jvmm.kvm.struct.KvmIrqchip;
import io.jvmm.kvm.struct.KvmPitState2;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The VM-wide state outside the vCPUs (Firecracker's {@code VmState}): the interrupt controllers
 * and kvmclock. Which controllers depends on the irqchip model the VM was built with, and a restored
 * VM takes the snapshot's model whatever its config asks.
 *
 * @param irqchip the interrupt controllers: KVM's in-kernel ones, or jvmm's IOAPIC with a split irqchip
 * @param clock   KVM's {@code kvm_clock_data}: the guest's time goes on from the snapshot's
 */
public record VmState(Irqchip irqchip, byte[] clock) {
    /** KVM_CLOCK_TSC_STABLE: reported by KVM_GET_CLOCK, refused by KVM_SET_CLOCK. */
    private static final int KVM_CLOCK_TSC_STABLE = 2;

    private static final int PIC_MASTER = 0, PIC_SLAVE = 1, IOAPIC = 2;

    /** Who models the interrupt controllers, and their saved state. */
    public sealed interface Irqchip permits KernelIrqchip, SplitIrqchip {}

    /** KVM's in-kernel PICs, IOAPIC ({@code kvm_irqchip} each) and PIT ({@code kvm_pit_state2}). */
    public record KernelIrqchip(byte[] picMaster, byte[] picSlave, byte[] ioapic, byte[] pit) implements Irqchip {}

    /** A split irqchip: jvmm's IOAPIC ({@link IoApic#saveState}); the local APICs are in the vCPU states, and there is no PIC or PIT. */
    public record SplitIrqchip(byte[] ioapic) implements Irqchip {}

    public boolean splitIrqchip() {
        return irqchip instanceof SplitIrqchip;
    }

    /** Reads KVM's VM-wide state; {@code ioapic} is jvmm's IOAPIC with a split irqchip, null with KVM's. */
    public static VmState capture(VmFd vm, IoApic ioapic) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment clock = a.allocate(KvmClockData.LAYOUT);
            vm.getClock(clock);
            if (ioapic != null) return new VmState(new SplitIrqchip(ioapic.saveState()), StructBytes.of(clock));
            byte[][] chips = new byte[3][];
            for (int chip : new int[] {PIC_MASTER, PIC_SLAVE, IOAPIC}) {
                MemorySegment c = a.allocate(KvmIrqchip.LAYOUT);
                KvmIrqchip.chip_id(c, chip);
                vm.getIrqchip(c);
                chips[chip] = StructBytes.of(c);
            }
            MemorySegment pit = a.allocate(KvmPitState2.LAYOUT);
            vm.getPit2(pit);
            return new VmState(
                    new KernelIrqchip(chips[PIC_MASTER], chips[PIC_SLAVE], chips[IOAPIC], StructBytes.of(pit)),
                    StructBytes.of(clock));
        }
    }

    /**
     * Puts the interrupt controllers and the clock back into a VM built with this state's irqchip
     * model ({@code ioapic}: its IOAPIC when split, else null).
     */
    public void restore(VmFd vm, IoApic ioapic) {
        try (Arena a = Arena.ofConfined()) {
            if (irqchip instanceof KernelIrqchip k) {
                for (byte[] chip : new byte[][] {k.picMaster(), k.picSlave(), k.ioapic()}) {
                    vm.setIrqchip(StructBytes.segment(a, chip, KvmIrqchip.LAYOUT.byteSize(), "irqchip state"));
                }
                vm.setPit2(StructBytes.segment(a, k.pit(), KvmPitState2.LAYOUT.byteSize(), "PIT state"));
            }
            MemorySegment c = StructBytes.segment(a, clock, KvmClockData.LAYOUT.byteSize(), "clock state");
            KvmClockData.flags(c, KvmClockData.flags(c) & ~KVM_CLOCK_TSC_STABLE);
            vm.setClock(c);
        }
        if (irqchip instanceof SplitIrqchip s) {
            try {
                ioapic.restoreState(s.ioapic());
            } catch (IllegalArgumentException e) {
                throw new SnapshotException("snapshot is corrupt: " + e.getMessage());
            }
        }
    }

    void write(SnapshotWriter w) {
        w.section("vm");
        // instanceof, not a pattern switch: its bootstrap spins a class at run time (start-up cost).
        if (irqchip instanceof KernelIrqchip k) {
            w.string("kernel")
                    .bytes(k.picMaster())
                    .bytes(k.picSlave())
                    .bytes(k.ioapic())
                    .bytes(k.pit());
        } else if (irqchip instanceof SplitIrqchip s) {
            w.string("split").bytes(s.ioapic());
        }
        w.bytes(clock);
    }

    static VmState read(SnapshotReader r) {
        r.section("vm");
        String model = r.string();
        Irqchip chip = switch (model) {
            case "kernel" -> new KernelIrqchip(r.bytes(), r.bytes(), r.bytes(), r.bytes());
            case "split" -> new SplitIrqchip(r.bytes());
            default -> throw r.corrupt("irqchip model '" + model + "'");
        };
        return new VmState(chip, r.bytes());
    }
}
