package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelCmdlineTest {
    private static VmConfig config(String user, CpuTemplate t) {
        return config(user, t, null, List.of());
    }

    private static VmConfig config(String user, CpuTemplate t, Path initrd, List<DriveConfig> drives) {
        // The record constructor skips the builder's file checks: nothing is read here.
        return new VmConfig(
                "t", 1, 128, Path.of("k"), initrd, user, t, null, null, drives, false, null, null, true, null, null);
    }

    @Test
    void deviceTokensFollowTheBaseAndPrecedeTheUserPart() {
        String c = KernelCmdline.build(
                config("quiet", CpuTemplate.HOST),
                false,
                CpuTemplate.HOST,
                List.of("virtio_mmio.device=4K@0xd0000000:5", "virtio_mmio.device=4K@0xd0001000:6"));
        assertEquals(
                KernelCmdline.BASE + " virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6 quiet", c);
    }

    @Test
    void firstDriveIsTheRootWithoutAnInitrd() {
        List<DriveConfig> drives =
                List.of(new DriveConfig("vda", Path.of("a"), true), new DriveConfig("vdb", Path.of("b"), false));
        assertTrue(KernelCmdline.build(config("", CpuTemplate.HOST, null, drives), false, CpuTemplate.HOST, List.of())
                .endsWith(" root=/dev/vda ro"));
        List<DriveConfig> rw = List.of(new DriveConfig("data", Path.of("a"), false));
        assertTrue(KernelCmdline.build(config("", CpuTemplate.HOST, null, rw), false, CpuTemplate.HOST, List.of())
                .endsWith(" root=/dev/vda rw"));
        assertFalse(
                KernelCmdline.build(
                                config("", CpuTemplate.HOST, Path.of("initrd"), drives),
                                false,
                                CpuTemplate.HOST,
                                List.of())
                        .contains("root="),
                "an initramfs decides the root itself");
        // The user's root= comes later and wins.
        assertTrue(KernelCmdline.build(
                        config("root=/dev/vdb", CpuTemplate.HOST, null, drives), false, CpuTemplate.HOST, List.of())
                .endsWith("root=/dev/vda ro root=/dev/vdb"));
    }

    @Test
    void userPartComesLastSoItCanOverride() {
        String c =
                KernelCmdline.build(config("console=hvc0 quiet", CpuTemplate.HOST), false, CpuTemplate.HOST, List.of());
        assertEquals(KernelCmdline.BASE + " console=hvc0 quiet", c);
    }

    @Test
    void pvmHostGetsTheFixupFlagAndThePvmTemplateHidesFeaturesInTheGuest() {
        String c = KernelCmdline.build(config("", CpuTemplate.PVM), true, CpuTemplate.PVM, List.of());
        assertTrue(c.contains(" jvmm_pvm_fixups"), c);
        assertTrue(c.contains("noxsave clearcpuid=xsave,popcnt,cx16"), c);
        assertTrue(c.contains(",erms,fsrm"), c);
        String host = KernelCmdline.build(config("", CpuTemplate.HOST), true, CpuTemplate.HOST, List.of());
        assertFalse(host.contains("clearcpuid"), host);
        assertTrue(host.contains("jvmm_pvm_fixups"), host);
        assertTrue(host.contains(" percpu_alloc=page noreplace-smp"), host);
        String vmx = KernelCmdline.build(config("", CpuTemplate.HOST), false, CpuTemplate.HOST, List.of());
        assertFalse(vmx.contains("percpu_alloc") || vmx.contains("noreplace-smp"), "only for kvm_pvm: " + vmx);
    }
}
