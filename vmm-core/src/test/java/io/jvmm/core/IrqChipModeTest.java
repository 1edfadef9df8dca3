package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.kvm.Kvm;
import io.jvmm.kvm.VmFd;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both interrupt-controller models boot guests: KVM's in-kernel irqchip, and the split one with
 * jvmm's IOAPIC (the default where KVM offers it). The Linux boot tests cover interrupts through
 * the split model end to end; these keep the in-kernel model working too.
 */
class IrqChipModeTest {
    @BeforeAll
    static void kvm() {
        Probes.requireKvm();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = IrqChipMode.class,
            names = {"KERNEL", "SPLIT"})
    void helloBootsWithEitherModel(IrqChipMode mode) throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(
                Probes.config("hello", "").irqchip(mode).consoleOutput(console).build())) {
            assertEquals(mode, vm.irqchip());
            vm.start();
            assertEquals(
                    new VmExit.DebugExit(0),
                    vm.awaitExit(Duration.ofSeconds(30)).orElseThrow(),
                    console.toString());
        }
        assertTrue(console.toString().contains("hello from jvmm probe"), console.toString());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = IrqChipMode.class,
            names = {"KERNEL", "SPLIT"})
    void virtioDevicesWorkWithEitherModel(IrqChipMode mode) throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(Probes.config("virtio-rng", "n=4096")
                .memoryMib(64)
                .rng(true)
                .irqchip(mode)
                .consoleOutput(console)
                .build())) {
            vm.start();
            assertEquals(
                    new VmExit.DebugExit(0),
                    vm.awaitExit(Duration.ofSeconds(30)).orElseThrow(),
                    console.toString());
        }
        Matcher m = Pattern.compile("virtio-rng: 4096 bytes, (\\d+) distinct byte values")
                .matcher(console.toString());
        assertTrue(m.find(), console.toString());
    }

    /**
     * The irq probe takes the UART's interrupt through the IOAPIC at CPL0: edge, level (each next
     * one only after its EOI reached the IOAPIC, which with the split model is KVM_EXIT_IOAPIC_EOI
     * back to jvmm), a level pin still raised at its EOI, and a masked pin.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = IrqChipMode.class,
            names = {"KERNEL", "SPLIT"})
    void interruptsReachTheGuestThroughEitherIoApic(IrqChipMode mode) throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(Probes.config("irq", "n=20")
                .memoryMib(64)
                .irqchip(mode)
                .consoleOutput(console)
                .build())) {
            vm.start();
            assertEquals(
                    new VmExit.DebugExit(0),
                    vm.awaitExit(Duration.ofSeconds(60)).orElseThrow(),
                    console.toString());
        }
        assertEquals(
                "irq: edge 20 ok\nirq: level 20 ok\nirq: level redeliver ok\nirq: masked edge ok\nirq: ok\n",
                console.toString());
    }

    @Test
    void autoTakesTheSplitModelWhereKvmOffersIt() throws Exception {
        boolean offered;
        try (Kvm kvm = Kvm.open();
                VmFd vm = kvm.createVm()) {
            offered = vm.checkExtension(Kvm.KVM_CAP_SPLIT_IRQCHIP) > 0;
        }
        try (Vm vm = Vm.create(Probes.config("hello", "").consoleOutput(null).build())) {
            assertEquals(offered ? IrqChipMode.SPLIT : IrqChipMode.KERNEL, vm.irqchip());
        }
    }

    @Test
    void modesParseWithAOneLineRefusal() {
        assertEquals(IrqChipMode.SPLIT, IrqChipMode.parse(" Split "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IrqChipMode.parse("pic"));
        assertEquals("expected auto, kernel or split, got \"pic\"", e.getMessage());
    }
}
