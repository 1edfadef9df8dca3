package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The project's real Linux kernel boots under jvmm until its static init prints from user space and
 * reboots, and the VM ends on that reboot. Slow on kvm_pvm hosts (the guest kernel is emulated):
 * tagged so ./test.sh --fast leaves it out; CI runs it.
 */
@Tag("linux")
class LinuxBootTest {
    /** Minutes on a kvm_pvm host; about a second with VMX/SVM. */
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    @BeforeAll
    static void kvm() { Probes.requireKvm(); }

    @ParameterizedTest
    @ValueSource(strings = {"vmlinux", "bzImage"})
    void initRunsInUserSpaceAndRebootEndsTheVm(String image) throws Exception {
        Path dir = ProjectKernel.dir();
        Probes.Console console = new Probes.Console();
        VmConfig config = VmConfig.builder().kernel(dir.resolve(image)).initrd(dir.resolve("initramfs.cpio"))
                .memoryMib(128).cmdline("quiet").consoleOutput(console).build();
        long t0 = System.nanoTime();
        try (Vm vm = Vm.create(config)) {
            vm.start();
            VmExit exit = vm.awaitExit(TIMEOUT).orElse(null);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("LinuxBootTest %s: %s after %d ms%n", image, exit, ms);
            assertNotNull(exit, "no end within " + TIMEOUT + "; console:\n" + console);
            assertTrue(console.toString().contains("jvmm-init: hello from user space"), console.toString());
            assertEquals(new VmExit.Reset("i8042 reset"), exit, console.toString());
        }
    }
}
