package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.core.cpu.GuestProfile;
import io.jvmm.loader.KernelSymbols;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Vm.startGuestProfile on a real vCPU: the spin probe loops in one known place, at CPL0 or CPL3. */
class GuestProfileProbeTest {
    @BeforeAll
    static void kvm() {
        Probes.requireKvm();
    }

    private static GuestProfile spin(String mode, Vm vm, Probes.Console console) throws Exception {
        vm.startGuestProfile(1000);
        vm.start();
        assertTrue(console.await("spin: " + mode, 30_000), console.toString());
        Thread.sleep(1000);
        return vm.stopGuestProfile();
    }

    @Test
    void kernelModeSamplesNameTheLoopsFunction() throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(
                Probes.config("spin", "mode=cpl0").consoleOutput(console).build())) {
            GuestProfile p = spin("cpl0", vm, console);
            assertTrue(p.samples() >= 20, "samples: " + p.samples());
            Optional<KernelSymbols> symbols = KernelSymbols.read(Probes.probe("spin"));
            assertTrue(symbols.isPresent(), "the probe is built with its symbol table");
            Map<String, Long> byFunction = p.byFunction(symbols);
            long inLoop = byFunction.getOrDefault("probe_main", 0L);
            // The loop runs from before sampling's second half to the end: most samples are there.
            assertTrue(inLoop * 10 >= p.samples() * 7, byFunction + ", user " + p.user());
            assertTrue(p.report(symbols, 5).contains("probe_main"), p.report(symbols, 5));
            assertEquals(1000, p.hz());
            assertTrue(p.nanos() >= 1_000_000_000L, "sampled for " + p.nanos() + " ns");
        }
    }

    @Test
    void userModeSamplesAreCountedApart() throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(
                Probes.config("spin", "mode=cpl3").consoleOutput(console).build())) {
            GuestProfile p = spin("cpl3", vm, console);
            assertTrue(p.samples() >= 20, "samples: " + p.samples());
            assertTrue(p.user() * 10 >= p.samples() * 7, "user " + p.user() + " of " + p.samples());
        }
    }

    @Test
    void oneProfileAtATimeAndItOutlivesClose() throws Exception {
        Probes.Console console = new Probes.Console();
        Vm vm = Vm.create(
                Probes.config("spin", "mode=cpl3").consoleOutput(console).build());
        try {
            vm.startGuestProfile(500);
            assertThrows(IllegalStateException.class, () -> vm.startGuestProfile(500));
            vm.stopGuestProfile();
            assertThrows(IllegalArgumentException.class, () -> vm.startGuestProfile(0));
            assertThrows(IllegalArgumentException.class, () -> vm.startGuestProfile(10_001));
            vm.start();
            assertTrue(console.await("spin: cpl3", 30_000), console.toString());
            vm.startGuestProfile(500);
            Thread.sleep(300);
        } finally {
            vm.close(); // stops the sampler before the vCPUs' mappings go
        }
        GuestProfile p = vm.stopGuestProfile();
        assertTrue(p.samples() > 0, "recorded before close: " + p.samples());
        assertEquals(p, vm.stopGuestProfile(), "stopping again returns the same profile");
        assertThrows(IllegalStateException.class, () -> vm.startGuestProfile(100), "a closed VM");
    }

    @Test
    void aProfileThatNeverRanIsEmpty() throws Exception {
        try (Vm vm = Vm.create(Probes.config("hello", "").build())) {
            GuestProfile p = vm.stopGuestProfile();
            assertEquals(0, p.samples());
            assertTrue(
                    p.report(Optional.empty(), 10).startsWith("guest profile: 0 samples"),
                    p.report(Optional.empty(), 10));
        }
    }
}
