package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.fuse.ShareOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

    @TempDir Path dir;

    @BeforeAll
    static void kvm() { Probes.requireKvm(); }

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
        VmConfig config = Probes.config("virtio-fs", cmdline).consoleOutput(console).share("probe", dir, options).build();
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
        assertTrue(out.contains("virtio-fs: read in.bin status 0 bytes " + SIZE + " depth " + depth + " crc32 0x" + crc(data)), out);
        assertTrue(out.contains("virtio-fs: create out.bin status 0\n"), out);
        assertTrue(out.contains("virtio-fs: write out.bin status 0 bytes " + SIZE + " depth " + depth + " crc32 0x" + crc(data)), out);
        assertTrue(out.contains("virtio-fs: unlink gone status 0\n"), out);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("out.bin")), "what the guest wrote");
        assertFalse(Files.exists(dir.resolve("gone")), "the guest removed it");
    }

    @Test
    void aReadOnlyShareReadsAndRefusesCreateAndUnlinkWithErofs() throws Exception {
        byte[] data = content();
        Files.write(dir.resolve("in.bin"), data);
        Files.writeString(dir.resolve("gone"), "x");
        String out = run("in=in.bin out=out.bin unlink=gone depth=32 expect-ro=1", ShareOptions.defaults().withReadOnly(true));
        assertTrue(out.contains("virtio-fs: read in.bin status 0 bytes " + SIZE + " depth 32 crc32 0x" + crc(data)), out);
        assertTrue(out.contains("virtio-fs: create out.bin status -30\n"), out);
        assertTrue(out.contains("virtio-fs: unlink gone status -30\n"), out);
        assertFalse(Files.exists(dir.resolve("out.bin")));
        assertEquals("x", Files.readString(dir.resolve("gone")));
    }
}
