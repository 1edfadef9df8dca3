package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.core.bus.BusDevice;
import io.jvmm.memory.MemoryRegion;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Boots the probe guests under jvmm: real KVM exits, guest code mostly in CPL3. */
class ProbeBootTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @BeforeAll
    static void kvm() {
        Probes.requireKvm();
    }

    private static VmExit run(Vm vm) throws InterruptedException {
        vm.start();
        VmExit exit = vm.awaitExit(TIMEOUT).orElse(null);
        assertNotNull(exit, "guest did not end within " + TIMEOUT);
        return exit;
    }

    @Test
    void helloPrintsAndExits() throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(Probes.config("hello", "").consoleOutput(console).build())) {
            VmExit exit = run(vm);
            assertEquals(new VmExit.DebugExit(0), exit, console.toString());
            assertTrue(console.toString().contains("hello from jvmm probe"), console.toString());
            assertEquals(0, exit.exitStatus());
        }
    }

    /** Counts accesses; stands where nothing else is mapped so each one is one exit. */
    private static final class Counter implements BusDevice {
        final AtomicLong writes = new AtomicLong();

        public void read(long offset, MemorySegment data) {
            data.fill((byte) 0);
        }

        public void write(long offset, MemorySegment data) {
            writes.incrementAndGet();
        }
    }

    @Test
    void pioLoopExitsAreCountedExactly() throws Exception {
        Probes.Console console = new Probes.Console();
        Counter counter = new Counter();
        try (Vm vm = Vm.create(
                Probes.config("pio-loop", "n=5000").consoleOutput(console).build())) {
            vm.pioBus().register(0x80, 1, "counter", counter);
            assertEquals(new VmExit.DebugExit(0), run(vm), console.toString());
            assertEquals(5000, counter.writes.get());
            assertTrue(console.toString().contains("pio-loop: done"), console.toString());
        }
    }

    @Test
    void mmioLoopExitsAreCountedExactly() throws Exception {
        Probes.Console console = new Probes.Console();
        Counter counter = new Counter();
        try (Vm vm = Vm.create(
                Probes.config("mmio-loop", "n=5000").consoleOutput(console).build())) {
            vm.mmioBus().register(0xc000_0000L, 0x1000, "counter", counter);
            assertEquals(new VmExit.DebugExit(0), run(vm), console.toString());
            assertEquals(5000, counter.writes.get());
            assertEquals(5000, vm.mmioExitCount() - 0, "every MMIO exit went to the counter");
        }
    }

    @Test
    void touchWritesEveryPageTheHostThenSees() throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(
                Probes.config("touch", "mib=64").consoleOutput(console).build())) {
            assertEquals(new VmExit.DebugExit(0), run(vm), console.toString());
            assertTrue(console.toString().contains("touch: 64 MiB ok"), console.toString());
            for (long page = 16L << 20; page < 80L << 20; page += 4096) {
                assertEquals(page, vm.memory().readLong(page), "page " + Long.toHexString(page));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void everyVcpuReportsIn(int cpus) throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(Probes.config("smp", "cpus=" + cpus)
                .vcpus(cpus)
                .consoleOutput(console)
                .build())) {
            assertEquals(new VmExit.DebugExit(0), run(vm), console.toString());
            assertTrue(console.toString().contains("smp: " + cpus + " cpus up"), console.toString());
        }
    }

    @Test
    void fourGibGuestSkipsTheMmioHole() throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(Probes.config("touch", "mib=64")
                .memoryMib(4096)
                .consoleOutput(console)
                .build())) {
            List<MemoryRegion> regions = vm.memory().regions();
            assertEquals(2, regions.size());
            assertEquals(0, regions.get(0).guestAddress());
            assertEquals(0xC000_0000L, regions.get(0).size());
            assertEquals(0x1_0000_0000L, regions.get(1).guestAddress());
            assertEquals(1L << 30, regions.get(1).size());
            assertEquals(new VmExit.DebugExit(0), run(vm), console.toString());
            assertTrue(console.toString().contains("touch: 64 MiB ok"), console.toString());
        }
    }

    @Test
    void tripleFaultIsReportedWithRegisters() throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(
                Probes.config("triple-fault", "").consoleOutput(console).build())) {
            VmExit exit = run(vm);
            assertInstanceOf(VmExit.TripleFault.class, exit, console + " / " + exit);
            assertTrue(exit.describe().contains("rip="), exit.describe());
            assertNotEquals(0, exit.exitStatus());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpl0", "cpl3"})
    void closeReturnsPromptlyWhileTheGuestSpins(String mode) throws Exception {
        Probes.Console console = new Probes.Console();
        Vm vm = Vm.create(Probes.config("spin", "mode=" + mode)
                .vcpus(2)
                .consoleOutput(console)
                .build());
        vm.start();
        assertTrue(console.await("spin: " + mode, 30_000), console.toString());
        Thread.sleep(50); // let it settle into the loop
        long t0 = System.nanoTime();
        vm.close();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(millis < 2_000, "close() took " + millis + " ms");
        assertEquals(new VmExit.Stopped("closed"), vm.exitReason().orElseThrow());
    }

    @Test
    void pvmFixupFlagFollowsTheHost() throws Exception {
        try (Vm vm = Vm.create(Probes.config("hello", "extra=1").build())) {
            assertEquals(CpuTemplate.hostIsPvm(), vm.kernelCmdline().contains("jvmm_pvm_fixups"));
            assertTrue(vm.kernelCmdline().endsWith("extra=1"), vm.kernelCmdline());
            assertTrue(vm.kernelCmdline().startsWith("console=ttyS0 reboot=k"), vm.kernelCmdline());
        }
    }
}
