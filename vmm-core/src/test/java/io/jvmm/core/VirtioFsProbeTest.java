package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.fuse.ShareOptions;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * virtio-fs end to end: the probe's CPL3 driver (probes/src/virtio-fs.c) speaks FUSE to the VM's
 * FsDevice and FuseServer through real KVM exits, ioeventfds and irqfds, reading a host file and
 * writing it back; the host checks every byte.
 */
class VirtioFsProbeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Not a multiple of the probe's 64 KiB requests, so the last one is short. */
    private static final int SIZE = (1 << 20) + 12_345;

    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        Probes.requireKvm();
    }

    private byte[] content() {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) b[i] = (byte) (i * 13 + (i >> 11));
        return b;
    }

    private static String crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return String.format("%08x", c.getValue());
    }

    private String run(String cmdline, ShareOptions options) throws Exception {
        Probes.Console console = new Probes.Console();
        VmConfig config = Probes.config("virtio-fs", cmdline)
                .consoleOutput(console)
                .share("probe", dir, options)
                .build();
        try (Vm vm = Vm.create(config)) {
            vm.start();
            VmExit exit = vm.awaitExit(TIMEOUT).orElse(null);
            assertNotNull(exit, "guest did not end within " + TIMEOUT + ": " + console);
            assertEquals(new VmExit.DebugExit(0), exit, console.toString());
        }
        System.out.print(console);
        return console.toString();
    }

    @ParameterizedTest(name = "depth {0}")
    @ValueSource(ints = {1, 32})
    void theGuestReadsAHostFileAndWritesItBackByteForByte(int depth) throws Exception {
        byte[] data = content();
        Files.write(dir.resolve("in.bin"), data);
        Files.writeString(dir.resolve("gone"), "x");
        String out = run("in=in.bin out=out.bin unlink=gone depth=" + depth, null);
        assertTrue(out.contains("virtio-fs: tag probe request-queues 1\n"), out);
        assertTrue(
                out.contains(
                        "virtio-fs: read in.bin status 0 bytes " + SIZE + " depth " + depth + " crc32 0x" + crc(data)),
                out);
        assertTrue(out.contains("virtio-fs: create out.bin status 0\n"), out);
        assertTrue(
                out.contains("virtio-fs: write out.bin status 0 bytes " + SIZE + " depth " + depth + " crc32 0x"
                        + crc(data)),
                out);
        assertTrue(out.contains("virtio-fs: unlink gone status 0\n"), out);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("out.bin")), "what the guest wrote");
        assertFalse(Files.exists(dir.resolve("gone")), "the guest removed it");
    }

    /**
     * The guest opens a file, the VM is snapshotted and closed, and the restored guest reads through
     * the file handle and node id it got before: the server's tables came back with the snapshot.
     */
    @Test
    void aFileOpenAtTheSnapshotIsReadAfterTheRestore() throws Exception {
        byte[] data = content();
        Files.write(dir.resolve("in.bin"), data);
        Path snap = Files.createDirectory(dir.resolve("snap"));
        Path share = Files.createDirectory(dir.resolve("share"));
        Files.move(dir.resolve("in.bin"), share.resolve("in.bin"));
        Probes.Console first = new Probes.Console();
        long flag;
        try (Vm vm = Vm.create(Probes.config("virtio-fs", "in=in.bin depth=8 wait=1")
                .consoleOutput(first)
                .share("probe", share, null)
                .build())) {
            vm.start();
            assertTrue(first.await("waiting for the host at 0x", 30_000), first.toString());
            Matcher m = Pattern.compile("waiting for the host at 0x([0-9a-f]+)").matcher(first.toString());
            assertTrue(m.find());
            flag = Long.parseLong(m.group(1), 16);
            vm.pause();
            vm.snapshot(snap.resolve("s"));
        }
        Probes.Console second = new Probes.Console();
        VmConfig again = VmConfig.builder()
                .memoryMib(128)
                .consoleOutput(second)
                .share("probe", share, null)
                .buildForRestore();
        try (Vm vm = Vm.restore(snap.resolve("s"), again)) {
            vm.memory().slice(flag, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1);
            vm.start();
            VmExit exit = vm.awaitExit(TIMEOUT).orElse(null);
            assertEquals(new VmExit.DebugExit(0), exit, first + "\nrestored:\n" + second);
        }
        assertTrue(
                second.toString()
                        .contains("virtio-fs: read in.bin status 0 bytes " + SIZE + " depth 8 crc32 0x" + crc(data)),
                first + "\nrestored:\n" + second);
    }

    @Test
    void aReadOnlyShareReadsAndRefusesCreateAndUnlinkWithErofs() throws Exception {
        byte[] data = content();
        Files.write(dir.resolve("in.bin"), data);
        Files.writeString(dir.resolve("gone"), "x");
        String out = run(
                "in=in.bin out=out.bin unlink=gone depth=32 expect-ro=1",
                ShareOptions.defaults().withReadOnly(true));
        assertTrue(
                out.contains("virtio-fs: read in.bin status 0 bytes " + SIZE + " depth 32 crc32 0x" + crc(data)), out);
        assertTrue(out.contains("virtio-fs: create out.bin status -30\n"), out);
        assertTrue(out.contains("virtio-fs: unlink gone status -30\n"), out);
        assertFalse(Files.exists(dir.resolve("out.bin")));
        assertEquals("x", Files.readString(dir.resolve("gone")));
    }
}
