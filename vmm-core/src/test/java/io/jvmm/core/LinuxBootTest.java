package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.virtio.blk.BlockDevice;
import io.jvmm.virtio.rng.RngDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The project's real Linux kernel boots under jvmm until its static init prints from user space and
 * reboots, and the VM ends on that reboot. Slow on kvm_pvm hosts (the guest kernel is emulated):
 * tagged so ./test.sh --fast leaves it out; CI runs it.
 */
@Tag("linux")
class LinuxBootTest {
    /** Minutes on a kvm_pvm host; about a second with VMX/SVM. */
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        Probes.requireKvm();
    }

    private static VmExit boot(String what, VmConfig config, Probes.Console console, Vm[] keep) throws Exception {
        long t0 = System.nanoTime();
        Vm vm = Vm.create(config);
        keep[0] = vm;
        vm.start();
        VmExit exit = vm.awaitExit(TIMEOUT).orElse(null);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("LinuxBootTest %s: %s after %d ms%n", what, exit, ms);
        assertNotNull(exit, "no end within " + TIMEOUT + "; console:\n" + console);
        assertTrue(console.toString().contains("jvmm-init: hello from user space"), console.toString());
        assertEquals(new VmExit.Reset("i8042 reset"), exit, console.toString());
        return exit;
    }

    /** bzImage (self-decompressing) with the test initramfs. */
    @Test
    void bzImageWithInitramfs() throws Exception {
        Path k = ProjectKernel.dir();
        Probes.Console console = new Probes.Console();
        Vm[] vm = new Vm[1];
        try {
            boot(
                    "bzImage + initramfs",
                    VmConfig.builder()
                            .kernel(k.resolve("bzImage"))
                            .initrd(k.resolve("initramfs.cpio"))
                            .memoryMib(128)
                            .cmdline("quiet")
                            .consoleOutput(console)
                            .build(),
                    console,
                    vm);
        } finally {
            if (vm[0] != null) vm[0].close();
        }
    }

    /**
     * vmlinux with no initramfs: the root file system is an ext4 image on virtio-blk (root=/dev/vda,
     * which jvmm adds), holding the same init as /sbin/init; virtio-rng, virtio-vsock and (with passt)
     * virtio-net ride along. One boot shows Linux's virtio-mmio drivers taking every jvmm device to
     * DRIVER_OK, the root file system read through virtio-blk, and the hwrng reading entropy. Twice:
     * with the default split irqchip (the devices' interrupts are MSIs from jvmm's IOAPIC) and with
     * KVM's in-kernel irqchip, where they go through KVM_IRQFD.
     */
    @ParameterizedTest(name = "irqchip {0}")
    @EnumSource(
            value = IrqChipMode.class,
            names = {"AUTO", "KERNEL"})
    void vmlinuxWithVirtioBlkRootAndEveryDevice(IrqChipMode irqchip) throws Exception {
        Path k = ProjectKernel.dir();
        Path tree = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(tree.resolve("sbin"));
        Files.createDirectories(tree.resolve("dev")); // devtmpfs is mounted here
        Files.copy(k.resolve("init"), tree.resolve("sbin/init"), StandardCopyOption.COPY_ATTRIBUTES);
        Path img = dir.resolve("root.ext4");
        Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString(), "8M")
                .redirectErrorStream(true)
                .start();
        String mkfsOut = new String(mkfs.getInputStream().readAllBytes());
        assertTrue(mkfs.waitFor(60, TimeUnit.SECONDS) && mkfs.exitValue() == 0, "mkfs.ext4 failed: " + mkfsOut);

        Probes.Console console = new Probes.Console();
        Vm[] vm = new Vm[1];
        try {
            VmConfig.Builder b = VmConfig.builder()
                    .kernel(k.resolve("vmlinux"))
                    .drive("rootfs", img, false)
                    .rng(true)
                    .vsock(3, null)
                    .memoryMib(128)
                    .cmdline("quiet")
                    .irqchip(irqchip)
                    .consoleOutput(console);
            boolean passt = Files.isExecutable(Path.of("/usr/bin/passt"));
            if (passt) b.net(NetConfig.passt(List.of()));
            else System.out.println("LinuxBootTest: passt is not installed; booting without virtio-net");
            boot("vmlinux + virtio-blk root + rng + vsock" + (passt ? " + net" : ""), b.build(), console, vm);
            assertTrue(vm[0].kernelCmdline().contains("root=/dev/vda rw"), vm[0].kernelCmdline());
            var slots = vm[0].virtioDevices();
            for (var slot : slots) {
                // Linux's driver found and started the device (DRIVER_OK), which never needed a reset.
                // The status itself may be 0 by now: newer 6.1 kernels reset every virtio device at shutdown.
                var t = slot.transport();
                System.out.printf(
                        "LinuxBootTest: %s activated %d times, status 0x%x%n",
                        slot.device().name(), t.activations(), t.status());
                assertTrue(t.activations() >= 1, slot.device().name() + " never reached DRIVER_OK");
                assertEquals(0, t.needsResetCount(), slot.device().name() + " needed a reset");
                assertTrue(
                        t.status() == 0 || (t.status() & 0x44) == 4,
                        slot.device().name() + " status 0x" + Integer.toHexString(t.status()));
                if (irqchip == IrqChipMode.KERNEL) {
                    assertEquals(
                            "IrqFdLine",
                            slot.line() == null ? null : slot.line().getClass().getSimpleName(),
                            slot.device().name() + " interrupts through KVM_IRQFD");
                }
            }
            long blkRequests = ((BlockDevice) slots.get(0).device()).requestCount();
            long rngRequests = ((RngDevice) slots.get(1).device()).requestCount();
            System.out.printf(
                    "LinuxBootTest: %d virtio-blk requests, %d virtio-rng requests%n", blkRequests, rngRequests);
            assertTrue(blkRequests >= 5, "the root file system was read through virtio-blk: " + blkRequests);
            assertTrue(rngRequests > 0, "the kernel's hwrng read the virtio-rng device");
        } finally {
            if (vm[0] != null) vm[0].close();
        }
    }

    /**
     * Linux is booted once (slow here), paused and snapshotted as soon as its init prints, then
     * restored in a new VM, where the init goes on (fork, pipes, reboot) without booting again.
     */
    @Test
    void bootedLinuxIsSnapshottedAndRestored() throws Exception {
        Path k = ProjectKernel.dir();
        Path tree = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(tree.resolve("sbin"));
        Files.createDirectories(tree.resolve("dev"));
        Files.copy(k.resolve("init"), tree.resolve("sbin/init"), StandardCopyOption.COPY_ATTRIBUTES);
        Path img = dir.resolve("root.ext4");
        Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString(), "8M")
                .redirectErrorStream(true)
                .start();
        mkfs.getInputStream().readAllBytes();
        assertTrue(mkfs.waitFor(60, TimeUnit.SECONDS) && mkfs.exitValue() == 0, "mkfs.ext4 failed");
        Path snap = dir.resolve("snap");

        Probes.Console first = new Probes.Console();
        VmConfig config = VmConfig.builder()
                .kernel(k.resolve("vmlinux"))
                .drive("rootfs", img, false)
                .rng(true)
                .memoryMib(128)
                .cmdline("quiet")
                .consoleOutput(first)
                .build();
        long t0 = System.nanoTime();
        try (Vm vm = Vm.create(config)) {
            vm.start();
            assertTrue(first.await("jvmm-init: hello from user space", TIMEOUT.toMillis()), "no init: " + first);
            vm.pause();
            vm.snapshot(snap);
        }
        System.out.printf(
                "LinuxBootTest snapshot: booted and saved after %d ms%n", (System.nanoTime() - t0) / 1_000_000);

        Probes.Console second = new Probes.Console();
        VmConfig again = VmConfig.builder()
                .drive("rootfs", img, false)
                .rng(true)
                .memoryMib(128)
                .consoleOutput(second)
                .buildForRestore();
        long t1 = System.nanoTime();
        try (Vm vm = Vm.restore(snap, again)) {
            vm.start();
            VmExit exit = vm.awaitExit(TIMEOUT).orElse(null);
            System.out.printf("LinuxBootTest restore: %s after %d ms%n", exit, (System.nanoTime() - t1) / 1_000_000);
            assertEquals(new VmExit.Reset("i8042 reset"), exit, "first run:\n" + first + "\nrestored:\n" + second);
        }
        assertFalse(second.toString().contains("hello from user space"), "booted again: " + second);
        assertTrue(second.toString().contains("jvmm-init: rebooting"), "restored:\n" + second);
    }
}
