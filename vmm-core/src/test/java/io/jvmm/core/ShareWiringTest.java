package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.core.devices.VirtioMmioDevices;
import io.jvmm.core.snapshot.MachineState;
import io.jvmm.core.snapshot.SnapshotException;
import io.jvmm.core.snapshot.SnapshotFile;
import io.jvmm.fuse.ShareOptions;
import io.jvmm.virtio.VirtioIds;
import io.jvmm.virtio.fs.FsDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtio-fs shares in the VM: the config's checks (one line naming the share), a device per share
 * announced on the kernel command line, and each share's server state carried through a snapshot.
 */
class ShareWiringTest {
    @TempDir
    Path dir;

    private ConfigException refused(VmConfig.Builder b) {
        return assertThrows(ConfigException.class, b::build);
    }

    @Test
    void badSharesAreRefusedInOneLineNamingTheShare() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertEquals(
                "shares.src: " + dir.resolve("nope") + " does not exist",
                refused(Probes.config("hello", "").share("src", dir.resolve("nope"), null))
                        .getMessage());
        assertEquals(
                "shares.src: " + file + " is not a directory",
                refused(Probes.config("hello", "").share("src", file, null)).getMessage());
        assertEquals(
                "shares: tag '' must be 1 to 36 bytes of UTF-8 without NUL, got 0",
                refused(Probes.config("hello", "").share("", dir, null)).getMessage());
        String long37 = "é".repeat(18) + "x"; // 18 two-byte characters and one: 37 bytes, 19 characters
        assertEquals(
                "shares: tag '" + long37 + "' must be 1 to 36 bytes of UTF-8 without NUL, got 37",
                refused(Probes.config("hello", "").share(long37, dir, null)).getMessage());
        assertEquals(
                "shares: two shares have the tag 'src'",
                refused(Probes.config("hello", "").share("src", dir, null).share("src", dir, null))
                        .getMessage());
        assertEquals(
                1,
                Probes.config("hello", "")
                        .share("é".repeat(18), dir, null)
                        .build()
                        .shares()
                        .size(),
                "36 bytes fit");
    }

    @Test
    void eachShareIsAnFsDeviceOnTheCommandLineAndItsServerSurvivesASnapshot() throws Exception {
        Probes.requireKvm();
        Path a = Files.createDirectory(dir.resolve("a")), b = Files.createDirectory(dir.resolve("b"));
        Path snap = dir.resolve("snap");
        VmConfig config = Probes.config("spin", "mode=cpl3")
                .consoleOutput(null)
                .share("src", a, null)
                .share("data", b, ShareOptions.defaults().withReadOnly(true))
                .build();
        try (Vm vm = Vm.create(config)) {
            List<VirtioMmioDevices.Slot> fs = vm.virtioDevices().stream()
                    .filter(s -> s.device().deviceType() == VirtioIds.VIRTIO_ID_FS)
                    .toList();
            assertEquals(
                    List.of("src", "data"),
                    fs.stream().map(s -> ((FsDevice) s.device()).tag()).toList());
            for (VirtioMmioDevices.Slot s : fs)
                assertTrue(vm.kernelCmdline().contains(s.cmdlineToken()), vm.kernelCmdline());
            vm.start();
            vm.pause();
            vm.snapshot(snap);
        }
        MachineState state = SnapshotFile.readState(snap);
        assertEquals(
                List.of("src", "data"),
                state.shares().stream().map(s -> s.tag()).toList());

        VmConfig again = VmConfig.builder()
                .memoryMib(128)
                .consoleOutput(null)
                .share("src", a, null)
                .share("data", b, ShareOptions.defaults().withReadOnly(true))
                .buildForRestore();
        try (Vm vm = Vm.restore(snap, again)) {
            vm.start();
            assertTrue(vm.awaitExit(Duration.ofMillis(200)).isEmpty(), "the restored guest runs on");
        }
        VmConfig other = VmConfig.builder()
                .memoryMib(128)
                .consoleOutput(null)
                .share("data", b, null)
                .share("src", a, null)
                .buildForRestore();
        SnapshotException e = assertThrows(SnapshotException.class, () -> Vm.restore(snap, other));
        assertEquals(
                "the snapshot's shares are [src, data] but the configuration gives [data, src] (same tags, same order needed)",
                e.getMessage());
    }
}
