package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class KernelCmdlineTest {
    private static VmConfig config(String user, CpuTemplate t) {
        // The record constructor skips the builder's file checks: nothing is read here.
        return new VmConfig("t", 1, 128, Path.of("k"), null, user, t, null, null);
    }

    @Test
    void userPartComesLastSoItCanOverride() {
        String c = KernelCmdline.build(config("console=hvc0 quiet", CpuTemplate.HOST), false, CpuTemplate.HOST);
        assertEquals(KernelCmdline.BASE + " console=hvc0 quiet", c);
    }

    @Test
    void pvmHostGetsTheFixupFlagAndThePvmTemplateHidesFeaturesInTheGuest() {
        String c = KernelCmdline.build(config("", CpuTemplate.PVM), true, CpuTemplate.PVM);
        assertTrue(c.contains(" jvmm_pvm_fixups"), c);
        assertTrue(c.contains("noxsave clearcpuid=xsave,popcnt,cx16"), c);
        String host = KernelCmdline.build(config("", CpuTemplate.HOST), true, CpuTemplate.HOST);
        assertFalse(host.contains("clearcpuid"), host);
        assertTrue(host.contains("jvmm_pvm_fixups"), host);
    }
}
