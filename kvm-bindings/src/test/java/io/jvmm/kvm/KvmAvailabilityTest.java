package io.jvmm.kvm;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user is told when the device is not a usable /dev/kvm (no KVM needed). */
class KvmAvailabilityTest {
    @Test
    void missingDeviceIsNamed() {
        assertEquals("/nonexistent/kvm does not exist", Kvm.probe("/nonexistent/kvm"));
    }

    @Test
    void aDeviceThatIsNotKvmFailsTheApiVersionIoctl() {
        assertEquals("KVM_GET_API_VERSION failed: ENOTTY (Inappropriate ioctl for device)", Kvm.probe("/dev/null"));
    }

    @Test
    void aDirectoryCannotBeOpenedReadWrite(@TempDir Path dir) throws Exception {
        Path sub = Files.createDirectory(dir.resolve("kvm"));
        assertEquals("open(" + sub + ") failed: EISDIR (Is a directory)", Kvm.probe(sub.toString()));
    }
}
