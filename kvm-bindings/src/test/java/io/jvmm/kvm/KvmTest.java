package io.jvmm.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.struct.KvmClockData;
import io.jvmm.kvm.struct.KvmIoapicState;
import io.jvmm.kvm.struct.KvmIrqchip;
import io.jvmm.kvm.struct.KvmLapicState;
import io.jvmm.kvm.struct.KvmPitState2;
import io.jvmm.kvm.struct.KvmRegs;
import io.jvmm.kvm.struct.KvmRun;
import io.jvmm.kvm.struct.KvmSegment;
import io.jvmm.kvm.struct.KvmSregs;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.KickSignal;
import io.jvmm.kvm.sys.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Kvm, VmFd and VcpuFd wrappers against the real /dev/kvm. */
class KvmTest {
    @BeforeAll
    static void kvm() {
        assumeTrue(Kvm.isAvailable(), Kvm.unavailabilityCause());
    }

    @Test
    void systemQueries() {
        assertNull(Kvm.unavailabilityCause());
        try (Kvm kvm = Kvm.open()) {
            assertEquals(12, kvm.apiVersion());
            assertTrue(kvm.checkExtension(Kvm.KVM_CAP_USER_MEMORY) > 0, "KVM_CAP_USER_MEMORY");
            assertEquals(0, kvm.checkExtension(100_000), "an unknown capability is unsupported");
            assertTrue(kvm.vcpuMmapSize() >= KvmRun.LAYOUT.byteSize(), "mmap size " + kvm.vcpuMmapSize());
            CpuidEntry[] cpuid = kvm.supportedCpuid();
            assertTrue(cpuid.length > 1, "supported CPUID has " + cpuid.length + " entries");
            assertTrue(Arrays.stream(cpuid).anyMatch(e -> e.function() == 0 && e.eax() >= 1), "leaf 0");
            int[] msrs = kvm.msrIndexList();
            assertTrue(Arrays.stream(msrs).anyMatch(i -> i == 0x10), "the MSR list includes IA32_TSC (0x10)");
            System.out.println("KvmTest: mmap size " + kvm.vcpuMmapSize() + ", " + cpuid.length + " CPUID entries, "
                    + msrs.length + " MSRs");
        }
    }

    @Test
    void sameVcpuIdTwiceFailsWithEexistNamingTheIoctl() {
        try (Kvm kvm = Kvm.open();
                VmFd vm = kvm.createVm();
                VcpuFd vcpu = vm.createVcpu(0)) {
            assertEquals(0, vcpu.id());
            KvmException e = assertThrows(KvmException.class, () -> vm.createVcpu(0));
            assertEquals(Ioctl.KVM_CREATE_VCPU, e.ioctl());
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals("KVM_CREATE_VCPU failed: EEXIST (File exists)", e.getMessage());
        }
    }

    @Test
    void overlappingMemorySlotsAreRejected() {
        try (Kvm kvm = Kvm.open();
                VmFd vm = kvm.createVm();
                Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(2 * 4096, 4096);
            vm.setUserMemoryRegion(0, 0, 0, 4096, ram.address());
            KvmException e =
                    assertThrows(KvmException.class, () -> vm.setUserMemoryRegion(1, 0, 0, 4096, ram.address() + 4096));
            assertEquals(Ioctl.KVM_SET_USER_MEMORY_REGION, e.ioctl());
            assertEquals(Errno.EEXIST, e.errno());
        }
    }

    @Test
    void registerStateRoundTrips() {
        try (TinyGuest g = new TinyGuest((byte) 0xF4);
                Arena arena = Arena.ofConfined()) {
            MemorySegment regs = KvmRegs.allocate(arena);
            KvmRegs.rax(regs, 0x1122334455667788L);
            KvmRegs.r15(regs, -2);
            KvmRegs.rip(regs, 0x100);
            KvmRegs.rflags(regs, 2);
            g.vcpu.setRegs(regs);
            MemorySegment back = KvmRegs.allocate(arena);
            g.vcpu.getRegs(back);
            assertEquals(0x1122334455667788L, KvmRegs.rax(back));
            assertEquals(-2, KvmRegs.r15(back));
            assertEquals(0x100, KvmRegs.rip(back));

            MemorySegment sregs = KvmSregs.allocate(arena);
            g.vcpu.getSregs(sregs);
            KvmSegment.base(KvmSregs.es(sregs), 0x12340);
            KvmSegment.selector(KvmSregs.es(sregs), (short) 0x1234);
            g.vcpu.setSregs(sregs);
            MemorySegment sregsBack = KvmSregs.allocate(arena);
            g.vcpu.getSregs(sregsBack);
            assertEquals(0x12340, KvmSegment.base(KvmSregs.es(sregsBack)));
            assertEquals(0x1234, KvmSegment.selector(KvmSregs.es(sregsBack)));

            g.vcpu.setMsrs(new long[] {0x174, 0x175}, new long[] {0x10, 0x8000}); // SYSENTER_CS, SYSENTER_ESP
            assertArrayEquals(new long[] {0x10, 0x8000}, g.vcpu.getMsrs(new int[] {0x174, 0x175}));
            KvmException e = assertThrows(
                    KvmException.class, () -> g.vcpu.setMsrs(new long[] {0x174, 0xdead0000L}, new long[] {0, 0}));
            assertEquals(
                    "KVM_SET_MSRS failed: only 1 of 2 MSRs processed, first rejected MSR 0xdead0000", e.getMessage());

            CpuidEntry[] supported = g.kvm.supportedCpuid();
            g.vcpu.setCpuid(supported);
            // KVM keeps what it can use and adjusts some values (APIC ids, OS-enabled bits): every
            // leaf read back was set, and the basic leaves are there (kvm_pvm drops a few of the
            // entries it reports as supported, so the counts need not match).
            Set<Long> set = new HashSet<>();
            for (CpuidEntry c : supported) set.add(((long) c.function() << 32) | Integer.toUnsignedLong(c.index()));
            CpuidEntry[] readBack = g.vcpu.getCpuid();
            for (CpuidEntry b : readBack) {
                assertTrue(
                        set.contains(((long) b.function() << 32) | Integer.toUnsignedLong(b.index())),
                        "KVM_GET_CPUID2 returned a leaf never set: " + b);
            }
            for (int leaf : new int[] {0, 1, 7}) {
                assertTrue(Arrays.stream(readBack).anyMatch(b -> b.function() == leaf), "leaf " + leaf + " missing");
            }
            System.out.printf("KvmTest: %d CPUID entries set, %d read back%n", supported.length, readBack.length);

            assertEquals(0, g.vcpu.getMpState()); // KVM_MP_STATE_RUNNABLE for the BSP
        }
    }

    @Test
    void heapOrShortStructSegmentsAreRejectedWithAClearMessage() {
        try (TinyGuest g = new TinyGuest((byte) 0xF4);
                Arena arena = Arena.ofConfined()) {
            IllegalArgumentException heap = assertThrows(
                    IllegalArgumentException.class, () -> g.vcpu.getRegs(MemorySegment.ofArray(new byte[144])));
            assertEquals("KVM_GET_REGS: kvm_regs segment must be native memory, got a heap segment", heap.getMessage());
            IllegalArgumentException small =
                    assertThrows(IllegalArgumentException.class, () -> g.vcpu.getRegs(arena.allocate(100)));
            assertEquals("KVM_GET_REGS: kvm_regs segment is 100 bytes, needs 144", small.getMessage());
        }
    }

    @Test
    void irqchipPitClockAndEventfdWiring() {
        try (Kvm kvm = Kvm.open();
                VmFd vm = kvm.createVm();
                Arena arena = Arena.ofConfined()) {
            vm.setTssAddr(0xfffbd000L);
            vm.setIdentityMapAddr(0xfffbc000L);
            vm.createIrqchip();
            vm.createPit2(VmFd.KVM_PIT_SPEAKER_DUMMY);
            try (VcpuFd vcpu = vm.createVcpu(0)) {
                MemorySegment chip = KvmIrqchip.allocate(arena);
                KvmIrqchip.chip_id(chip, 2); // KVM_IRQCHIP_IOAPIC
                vm.getIrqchip(chip);
                assertEquals(0xfec00000L, KvmIoapicState.base_address(KvmIrqchip.chip_ioapic(chip)));
                vm.setIrqchip(chip);

                MemorySegment pit = KvmPitState2.allocate(arena);
                vm.getPit2(pit);
                vm.setPit2(pit);

                MemorySegment clock = KvmClockData.allocate(arena);
                vm.getClock(clock);
                assertTrue(KvmClockData.clock(clock) > 0, "kvmclock " + KvmClockData.clock(clock));

                MemorySegment lapic = KvmLapicState.allocate(arena);
                vcpu.getLapic(lapic);
                // APIC version register (offset 0x30): low byte 0x14 for KVM's xAPIC
                assertEquals(0x14, lapic.get(ValueLayout.JAVA_INT, 0x30) & 0xff);
                vcpu.setLapic(lapic);

                vm.irqLine(4, true);
                vm.irqLine(4, false);

                int efd = Libc.eventfd(0, Libc.EFD_CLOEXEC);
                try {
                    vm.irqfd(efd, 5, false);
                    vm.irqfd(efd, 5, true);
                    vm.ioeventfd(0x3f8, 1, efd, true, null, false);
                    vm.ioeventfd(0xd0000000L, 4, efd, false, 7L, false);
                    vm.ioeventfd(0x3f8, 1, efd, true, null, true);
                    KvmException e =
                            assertThrows(KvmException.class, () -> vm.ioeventfd(0x3f8, 1, efd, true, null, true));
                    assertEquals(Ioctl.KVM_IOEVENTFD, e.ioctl());
                } finally {
                    Libc.close(efd);
                }
            }
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseIsAnError() {
        Kvm kvm = Kvm.open();
        VmFd vm = kvm.createVm();
        VcpuFd vcpu = vm.createVcpu(0);
        vcpu.close();
        vcpu.close();
        vm.close();
        vm.close();
        kvm.close();
        kvm.close();
        assertEquals(
                "vCPU 0 is closed",
                assertThrows(IllegalStateException.class, vcpu::getMpState).getMessage());
        assertThrows(IllegalStateException.class, () -> vm.createVcpu(1));
        assertThrows(IllegalStateException.class, kvm::apiVersion);
        vcpu.kick(); // a no-op once closed
    }

    @Test
    void noFileDescriptorsLeakOver200Vms() throws IOException {
        long before = openFds();
        long start = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            try (Kvm kvm = Kvm.open();
                    VmFd vm = kvm.createVm();
                    VcpuFd vcpu = vm.createVcpu(0)) {
                assertTrue(vcpu.kvmRun().byteSize() > 0);
            }
        }
        long after = openFds();
        System.out.printf(
                "KvmTest: 200 VMs with a vCPU in %d ms, fds before %d after %d%n",
                (System.nanoTime() - start) / 1_000_000, before, after);
        assertEquals(before, after, "open fds before and after 200 VMs");
    }

    /**
     * A JVM takes signals jvmm does not control (a profiler's SIGPROF, a kick); on kvm_pvm a signal
     * during KVM_CREATE_VM made it fail with EINTR. Every ioctl but KVM_RUN must retry instead.
     */
    @Test
    void ioctlsSurviveASignalStorm() throws Exception {
        KickSignal.ensureInstalled();
        int signal = KickSignal.number();
        AtomicInteger tid = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        CompletableFuture<Integer> vms = new CompletableFuture<>();
        Thread worker = Thread.ofPlatform().name("kvm-signal-storm").start(() -> {
            KickSignal.unblockForCurrentThread();
            tid.set(Libc.gettid());
            try {
                int n = 0;
                for (; n < 100; n++) {
                    try (Kvm kvm = Kvm.open();
                            VmFd vm = kvm.createVm();
                            VcpuFd vcpu = vm.createVcpu(0)) {
                        vcpu.getMpState();
                        kvm.supportedCpuid();
                    }
                }
                vms.complete(n);
            } catch (Throwable t) {
                vms.completeExceptionally(t);
            } finally {
                done.set(true);
            }
        });
        while (tid.get() == 0) Thread.onSpinWait();
        while (!done.get()) {
            try {
                Libc.tgkill(tid.get(), signal);
                sent.incrementAndGet();
            } catch (RuntimeException gone) {
                break; // the thread ended between the check and the kill
            }
            Thread.sleep(0, 20_000);
        }
        worker.join();
        System.out.printf("KvmTest: %d signals sent to a thread creating 100 VMs%n", sent.get());
        assertEquals(100, vms.get());
        assertTrue(sent.get() > 10, "too few signals to mean anything: " + sent.get());
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
