package io.jvmm.kvm;

import io.jvmm.kvm.struct.KvmClockData;
import io.jvmm.kvm.struct.KvmEnableCap;
import io.jvmm.kvm.struct.KvmIoeventfd;
import io.jvmm.kvm.struct.KvmIrqLevel;
import io.jvmm.kvm.struct.KvmIrqRouting;
import io.jvmm.kvm.struct.KvmIrqRoutingEntry;
import io.jvmm.kvm.struct.KvmIrqchip;
import io.jvmm.kvm.struct.KvmIrqfd;
import io.jvmm.kvm.struct.KvmMsi;
import io.jvmm.kvm.struct.KvmPitConfig;
import io.jvmm.kvm.struct.KvmPitState2;
import io.jvmm.kvm.struct.KvmUserspaceMemoryRegion;
import io.jvmm.kvm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A VM file descriptor: memory slots, interrupt controllers, eventfd wiring and vCPU creation.
 * The vCPUs it creates are owned by the caller and must be closed separately; the kernel frees
 * the VM once this fd and every vCPU fd are closed.
 */
public final class VmFd implements AutoCloseable {
    /** kvm_userspace_memory_region.flags bits. */
    public static final int KVM_MEM_LOG_DIRTY_PAGES = 1, KVM_MEM_READONLY = 2;
    /** kvm_pit_config.flags: PC speaker port 0x61 is a dummy (linux/kvm.h). */
    public static final int KVM_PIT_SPEAKER_DUMMY = 1;
    /** kvm_irq_routing_entry.type for an MSI route. */
    public static final int KVM_IRQ_ROUTING_MSI = 2;
    /** kvm_irqfd.flags and kvm_ioeventfd.flags bits. */
    public static final int KVM_IRQFD_FLAG_DEASSIGN = 1,
            KVM_IOEVENTFD_FLAG_DATAMATCH = 1,
            KVM_IOEVENTFD_FLAG_PIO = 2,
            KVM_IOEVENTFD_FLAG_DEASSIGN = 4;

    /**
     * The argument of the per-interrupt ioctls (KVM_SIGNAL_MSI, KVM_IRQ_LINE), one per thread since
     * device and vCPU threads raise interrupts concurrently. They run for every interrupt a device
     * sends, where a confined arena per call was a malloc and a free each time.
     */
    private static final ThreadLocal<MemorySegment> INTERRUPT_ARG = ThreadLocal.withInitial(() ->
            Arena.ofAuto().allocate(Math.max(KvmMsi.LAYOUT.byteSize(), KvmIrqLevel.LAYOUT.byteSize()), 8));

    private final int fd;
    private final int vcpuMmapSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    VmFd(int fd, int vcpuMmapSize) {
        this.fd = fd;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    /** The VM file descriptor. */
    public int fd() {
        if (closed.get()) throw new IllegalStateException("VmFd " + fd + " is closed");
        return fd;
    }

    /** KVM_CHECK_EXTENSION on the VM fd (some answers, e.g. KVM_CAP_NR_MEMSLOTS, are per VM). */
    public int checkExtension(int cap) {
        return IoctlCall.call(fd(), Ioctl.KVM_CHECK_EXTENSION, cap);
    }

    /** KVM_SET_TSS_ADDR: three pages of guest-physical space Intel VMX needs for real mode. */
    public void setTssAddr(long address) {
        IoctlCall.call(fd(), Ioctl.KVM_SET_TSS_ADDR, address);
    }

    /** KVM_SET_IDENTITY_MAP_ADDR: one page for VMX's real-mode identity page table. */
    public void setIdentityMapAddr(long address) {
        try (Arena arena = Arena.ofConfined()) {
            IoctlCall.call(fd(), Ioctl.KVM_SET_IDENTITY_MAP_ADDR, arena.allocateFrom(ValueLayout.JAVA_LONG, address));
        }
    }

    /** KVM_CREATE_IRQCHIP: in-kernel PIC, IOAPIC and local APICs. Create it before any vCPU. */
    public void createIrqchip() {
        IoctlCall.call(fd(), Ioctl.KVM_CREATE_IRQCHIP, 0L);
    }

    /**
     * KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): local APICs in the kernel; the IOAPIC (with
     * {@code ioapicPins} routes reserved for it) and any PIC are the VMM's. Before any vCPU.
     */
    public void enableSplitIrqchip(int ioapicPins) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = KvmEnableCap.allocate(arena);
            KvmEnableCap.cap(cap, Kvm.KVM_CAP_SPLIT_IRQCHIP);
            KvmEnableCap.args(cap).set(ValueLayout.JAVA_LONG, 0, ioapicPins);
            IoctlCall.call(fd(), Ioctl.KVM_ENABLE_CAP, cap);
        }
    }

    /**
     * KVM_SIGNAL_MSI: injects the message signalled interrupt {@code address}/{@code data} (for x86,
     * a write to the LAPIC window). Returns KVM's answer: &gt; 0 delivered, 0 blocked by the guest.
     */
    public int signalMsi(long address, int data) {
        MemorySegment msi = interruptArg(KvmMsi.LAYOUT.byteSize());
        KvmMsi.address_lo(msi, (int) address);
        KvmMsi.address_hi(msi, (int) (address >>> 32));
        KvmMsi.data(msi, data);
        return IoctlCall.call(fd(), Ioctl.KVM_SIGNAL_MSI, msi);
    }

    /** This thread's {@link #INTERRUPT_ARG}, zeroed over {@code size} bytes (flags and padding must be 0). */
    private static MemorySegment interruptArg(long size) {
        return INTERRUPT_ARG.get().asSlice(0, size).fill((byte) 0);
    }

    /**
     * KVM_SET_GSI_ROUTING with one MSI route per entry: GSI {@code gsis[i]} signals
     * {@code addresses[i]}/{@code data[i]}. Replaces the whole table.
     */
    public void setMsiRoutes(int[] gsis, long[] addresses, int[] data) {
        if (gsis.length != addresses.length || gsis.length != data.length)
            throw new IllegalArgumentException("route arrays differ in length");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = KvmIrqRouting.allocate(arena, gsis.length);
            KvmIrqRouting.nr(table, gsis.length);
            for (int i = 0; i < gsis.length; i++) {
                MemorySegment e = KvmIrqRouting.entries(table, i);
                KvmIrqRoutingEntry.gsi(e, gsis[i]);
                KvmIrqRoutingEntry.type(e, KVM_IRQ_ROUTING_MSI);
                KvmIrqRoutingEntry.u_msi_address_lo(e, (int) addresses[i]);
                KvmIrqRoutingEntry.u_msi_address_hi(e, (int) (addresses[i] >>> 32));
                KvmIrqRoutingEntry.u_msi_data(e, data[i]);
            }
            IoctlCall.call(fd(), Ioctl.KVM_SET_GSI_ROUTING, table);
        }
    }

    /** KVM_CREATE_PIT2 with kvm_pit_config.flags = {@code flags} (e.g. {@link #KVM_PIT_SPEAKER_DUMMY}). */
    public void createPit2(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = KvmPitConfig.allocate(arena);
            KvmPitConfig.flags(config, flags);
            IoctlCall.call(fd(), Ioctl.KVM_CREATE_PIT2, config);
        }
    }

    /**
     * KVM_SET_USER_MEMORY_REGION: maps {@code memorySize} bytes of this process at
     * {@code userspaceAddr} to guest-physical {@code guestPhysAddr} in {@code slot}; size 0 deletes the slot.
     */
    public void setUserMemoryRegion(int slot, int flags, long guestPhysAddr, long memorySize, long userspaceAddr) {
        if (memorySize < 0) throw new IllegalArgumentException("memory region size must be >= 0, got " + memorySize);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = KvmUserspaceMemoryRegion.allocate(arena);
            KvmUserspaceMemoryRegion.slot(region, slot);
            KvmUserspaceMemoryRegion.flags(region, flags);
            KvmUserspaceMemoryRegion.guest_phys_addr(region, guestPhysAddr);
            KvmUserspaceMemoryRegion.memory_size(region, memorySize);
            KvmUserspaceMemoryRegion.userspace_addr(region, userspaceAddr);
            IoctlCall.call(fd(), Ioctl.KVM_SET_USER_MEMORY_REGION, region);
        }
    }

    /** KVM_CREATE_VCPU with APIC id {@code id}, and maps its kvm_run. */
    public VcpuFd createVcpu(int id) {
        int vcpuFd = IoctlCall.call(fd(), Ioctl.KVM_CREATE_VCPU, id);
        try {
            return new VcpuFd(id, vcpuFd, vcpuMmapSize);
        } catch (RuntimeException e) {
            Libc.close(vcpuFd);
            throw e;
        }
    }

    /** KVM_IRQ_LINE: drives GSI {@code irq} high or low (needs the in-kernel irqchip). */
    public void irqLine(int irq, boolean high) {
        MemorySegment level = interruptArg(KvmIrqLevel.LAYOUT.byteSize());
        KvmIrqLevel.irq(level, irq);
        KvmIrqLevel.level(level, high ? 1 : 0);
        IoctlCall.call(fd(), Ioctl.KVM_IRQ_LINE, level);
    }

    /** KVM_IRQFD: a write to {@code eventFd} raises GSI {@code gsi}; {@code deassign} removes the binding. */
    public void irqfd(int eventFd, int gsi, boolean deassign) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment irqfd = KvmIrqfd.allocate(arena);
            KvmIrqfd.fd(irqfd, eventFd);
            KvmIrqfd.gsi(irqfd, gsi);
            KvmIrqfd.flags(irqfd, deassign ? KVM_IRQFD_FLAG_DEASSIGN : 0);
            IoctlCall.call(fd(), Ioctl.KVM_IRQFD, irqfd);
        }
    }

    /**
     * KVM_IOEVENTFD: a guest write of {@code len} bytes to {@code addr} (a port when {@code pio},
     * else MMIO) signals {@code eventFd} instead of exiting; {@code datamatch} null matches any value.
     */
    public void ioeventfd(long addr, int len, int eventFd, boolean pio, Long datamatch, boolean deassign) {
        if (len != 0 && len != 1 && len != 2 && len != 4 && len != 8) {
            throw new IllegalArgumentException("ioeventfd length must be 0, 1, 2, 4 or 8, got " + len);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ioeventfd = KvmIoeventfd.allocate(arena);
            int flags = (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) | (deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0);
            if (datamatch != null) {
                flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
                KvmIoeventfd.datamatch(ioeventfd, datamatch);
            }
            KvmIoeventfd.addr(ioeventfd, addr);
            KvmIoeventfd.len(ioeventfd, len);
            KvmIoeventfd.fd(ioeventfd, eventFd);
            KvmIoeventfd.flags(ioeventfd, flags);
            IoctlCall.call(fd(), Ioctl.KVM_IOEVENTFD, ioeventfd);
        }
    }

    /** KVM_GET_IRQCHIP into {@code irqchip} ({@link KvmIrqchip}); set chip_id first. */
    public void getIrqchip(MemorySegment irqchip) {
        struct(Ioctl.KVM_GET_IRQCHIP, irqchip, KvmIrqchip.LAYOUT);
    }

    /** KVM_SET_IRQCHIP from {@code irqchip} ({@link KvmIrqchip}). */
    public void setIrqchip(MemorySegment irqchip) {
        struct(Ioctl.KVM_SET_IRQCHIP, irqchip, KvmIrqchip.LAYOUT);
    }

    /** KVM_GET_PIT2 into {@code pit} ({@link KvmPitState2}). */
    public void getPit2(MemorySegment pit) {
        struct(Ioctl.KVM_GET_PIT2, pit, KvmPitState2.LAYOUT);
    }

    /** KVM_SET_PIT2 from {@code pit} ({@link KvmPitState2}). */
    public void setPit2(MemorySegment pit) {
        struct(Ioctl.KVM_SET_PIT2, pit, KvmPitState2.LAYOUT);
    }

    /** KVM_GET_CLOCK into {@code clock} ({@link KvmClockData}). */
    public void getClock(MemorySegment clock) {
        struct(Ioctl.KVM_GET_CLOCK, clock, KvmClockData.LAYOUT);
    }

    /** KVM_SET_CLOCK from {@code clock} ({@link KvmClockData}). */
    public void setClock(MemorySegment clock) {
        struct(Ioctl.KVM_SET_CLOCK, clock, KvmClockData.LAYOUT);
    }

    private void struct(Ioctl request, MemorySegment segment, MemoryLayout layout) {
        IoctlCall.call(fd(), request, IoctlCall.checkStruct(segment, layout, request));
    }

    /** Closes the VM fd; later calls are no-ops. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) Libc.close(fd);
    }
}
