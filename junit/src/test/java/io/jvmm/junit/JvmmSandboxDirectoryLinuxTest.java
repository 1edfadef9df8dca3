package io.jvmm.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.jvmm.kvm.Kvm;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * A directory as the root (the tree the busybox root image is made of, through virtio-fs, read-only
 * under an overlay), restored per test: writes stay in each copy and never reach the directory.
 */
@Tag("linux")
@JvmmTest
@EnabledIf("kvm")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JvmmSandboxDirectoryLinuxTest {
    static final Path TREE = JvmmSandboxLinuxTest.home().resolve("guest-rootfs/target/rootfs");

    @Vm(restorePerTest = true)
    static JvmmSandbox vm = JvmmSandbox.fromDirectory(TREE);

    static boolean kvm() {
        if (!Kvm.isAvailable()) System.out.println("skipped: " + Kvm.unavailabilityCause());
        return Kvm.isAvailable();
    }

    @Test
    @Order(1)
    void writesLandInTheCopysOverlayNotInTheDirectory() throws Exception {
        assertEquals(
                0,
                vm.execInContainer("sh", "-c", "echo x > /etc/from-the-guest").exitCode());
        assertEquals("x\n", vm.execInContainer("cat", "/etc/from-the-guest").stdoutText());
        assertFalse(Files.exists(TREE.resolve("etc/from-the-guest")), "the write reached the host directory");
    }

    @Test
    @Order(2)
    void theNextCopyStartsFromTheDirectoryAsItWas() throws Exception {
        assertEquals(1, vm.execInContainer("test", "-e", "/etc/from-the-guest").exitCode());
        assertEquals(0, vm.execInContainer("test", "-x", "/bin/busybox").exitCode());
    }
}
