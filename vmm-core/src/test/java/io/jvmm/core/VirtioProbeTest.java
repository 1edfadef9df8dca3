package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.core.devices.VirtioMmioDevices;
import io.jvmm.virtio.ratelimit.RateLimit;
import io.jvmm.virtio.ratelimit.TokenBucket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The virtio devices end to end: the probes' CPL3 virtio-mmio drivers (probes/src/virtio*.c) talk to
 * jvmm's transports through real KVM exits, ioeventfds and irqfds, and the host checks what reached
 * the image file.
 */
class VirtioProbeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int DISK = 4 << 20;

    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        Probes.requireKvm();
    }

    private Path image() throws IOException {
        byte[] data = new byte[DISK];
        for (int i = 0; i < DISK; i++) data[i] = (byte) (i * 7 + (i >> 9));
        return Files.write(dir.resolve("disk.img"), data);
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    /** Boots {@code config}; returns the console after the guest exits with {@code status}. */
    private static String boot(VmConfig config, Probes.Console console, int status) throws Exception {
        try (Vm vm = Vm.create(config)) {
            vm.start();
            VmExit exit = vm.awaitExit(TIMEOUT).orElse(null);
            assertNotNull(exit, "guest did not end within " + TIMEOUT + ": " + console);
            assertEquals(new VmExit.DebugExit(status), exit, console.toString());
        }
        return console.toString();
    }

    /**
     * A probe saturating a drive under a limit gets the limit, within 10%, measured from the host (bytes
     * or requests over the run's wall time; jvmm's CPUID gives the probe no TSC rate): 40 MB/s (a bucket
     * of 4 MB refilled every 100 ms, from the config), then 200 requests/s (set on the created VM
     * through its live limiter).
     */
    @Test
    void blkRateLimitsHoldAgainstASaturatingGuest() throws Exception {
        Path disk = image();
        double mbps = benchUnderLimit(
                Probes.config("virtio-blk", "op=bench mib=96 bs=64 depth=4")
                        .memoryMib(64)
                        .drive(
                                "disk0",
                                disk,
                                false,
                                new RateLimit(new TokenBucket(4_000_000, Duration.ofMillis(100), 0), null)),
                null,
                100_663_296);
        assertTrue(Math.abs(mbps / 1e6 - 40) <= 4, "40 MB/s limit, the guest got " + mbps / 1e6 + " MB/s");
        double iops = benchUnderLimit(
                Probes.config("virtio-blk", "op=bench mib=2 bs=4 depth=4")
                        .memoryMib(64)
                        .drive("disk0", disk, false),
                new RateLimit(null, new TokenBucket(20, Duration.ofMillis(100), 0)),
                512);
        assertTrue(Math.abs(iops - 200) <= 20, "200 requests/s limit, the guest got " + iops);
    }

    /** Runs a bench probe (drive disk0 limited by its config, or by {@code update} when given); returns {@code units} a second. */
    private static double benchUnderLimit(VmConfig.Builder config, RateLimit update, long units) throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(config.consoleOutput(console).build())) {
            if (update != null) vm.drive("disk0").orElseThrow().rateLimiter().update(update);
            long t0 = System.nanoTime();
            vm.start();
            assertEquals(new VmExit.DebugExit(0), vm.awaitExit(TIMEOUT).orElse(null), console.toString());
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(console.toString().contains("virtio-blk: bench rw read"), console.toString());
            return units / seconds;
        }
    }

    @ParameterizedTest(name = "kvmNotify={0}")
    @ValueSource(booleans = {true, false})
    void rngDeliversHostEntropy(boolean kvmNotify) throws Exception {
        Probes.Console console = new Probes.Console();
        String out = boot(
                Probes.config("virtio-rng", "n=65536")
                        .memoryMib(64)
                        .rng(true)
                        .kvmNotify(kvmNotify)
                        .consoleOutput(console)
                        .build(),
                console,
                0);
        Matcher m = Pattern.compile("virtio-rng: 65536 bytes, (\\d+) distinct byte values")
                .matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Integer.parseInt(m.group(1)) >= 250, out);
    }

    @Test
    void rngProbeWithoutTheDeviceSaysSo() throws Exception {
        Probes.Console console = new Probes.Console();
        String out = boot(
                Probes.config("virtio-rng", "")
                        .memoryMib(64)
                        .consoleOutput(console)
                        .build(),
                console,
                4);
        assertTrue(out.contains("virtio-rng: no device"), out);
    }

    /** Also with the probe's driver on indirect descriptors and EVENT_IDX, as Linux drives the device. */
    @ParameterizedTest(name = "kvmNotify={0} {1}")
    @CsvSource({"true,", "false,", "true,eventidx=1 indirect=1 verbose=1"})
    void blkReadsWritesAndRefusesWhatItMust(boolean kvmNotify, String ringFeatures) throws Exception {
        Path img = image();
        long before = crc(Files.readAllBytes(img));
        Probes.Console console = new Probes.Console();
        String out = boot(
                Probes.config(
                                "virtio-blk",
                                "op=id,checksum,fill,flush,beyond,badtype sector=100 count=8"
                                        + (ringFeatures == null ? "" : " " + ringFeatures))
                        .memoryMib(64)
                        .drive("disk0", img, false)
                        .kvmNotify(kvmNotify)
                        .consoleOutput(console)
                        .build(),
                console,
                0);
        if (ringFeatures != null) {
            Matcher f = Pattern.compile("virtio: features offered 0x\\p{XDigit}+ negotiated 0x(\\p{XDigit}+)")
                    .matcher(out);
            assertTrue(f.find(), out);
            long negotiated = Long.parseLong(f.group(1), 16);
            assertEquals(3L << 28, negotiated & (3L << 28), "INDIRECT_DESC and EVENT_IDX in use: " + out);
        }
        assertTrue(
                out.contains(
                        "virtio-blk: capacity " + DISK / 512 + " ro 0 flush 1 discard 1 write-zeroes 1 seg-max 254"),
                out);
        assertTrue(out.contains("virtio-blk: id disk0\n"), out);
        assertTrue(
                out.contains(String.format("virtio-blk: checksum %d sectors crc32 0x%08x", DISK / 512, before)), out);
        assertTrue(out.contains("virtio-blk: fill 100 8 status 0"), out);
        assertTrue(out.contains("virtio-blk: flush status 0"), out);
        assertTrue(out.contains("virtio-blk: beyond status 1"), out);
        assertTrue(out.contains("virtio-blk: badtype status 2"), out);

        byte[] after = Files.readAllBytes(img);
        for (int s = 100; s < 108; s++) {
            for (int i = 0; i < 512; i++) {
                assertEquals((byte) ((s * 31 + i) & 0xff), after[s * 512 + i], "sector " + s + " byte " + i);
            }
        }
        assertEquals((byte) (99 * 512 * 7 + 99 + 511 * 7), after[99 * 512 + 511], "the sector before is untouched");
        assertEquals((byte) (108 * 512 * 7 + 108), after[108 * 512], "the sector after is untouched");
    }

    @Test
    void blkDiscardAndWriteZeroesReachTheFile() throws Exception {
        Path img = image();
        Probes.Console console = new Probes.Console();
        String out = boot(
                Probes.config("virtio-blk", "op=discard,write-zeroes sector=64 count=16")
                        .memoryMib(64)
                        .drive(null, img, false)
                        .consoleOutput(console)
                        .build(),
                console,
                0);
        assertTrue(out.contains("virtio-blk: discard 64 16 status 0"), out);
        assertTrue(out.contains("virtio-blk: write-zeroes 64 16 status 0"), out);
        byte[] after = Files.readAllBytes(img);
        assertArrayEquals(new byte[16 * 512], Arrays.copyOfRange(after, 64 * 512, 80 * 512));
        assertEquals((byte) (80 * 512 * 7 + 80), after[80 * 512]);
    }

    @Test
    void readOnlyDriveRefusesWritesAndKeepsTheImage() throws Exception {
        Path img = image();
        byte[] before = Files.readAllBytes(img);
        Probes.Console console = new Probes.Console();
        String out = boot(
                Probes.config("virtio-blk", "op=write,checksum sector=0 count=4 pattern=170 expect-ro=1")
                        .memoryMib(64)
                        .drive(null, img, true)
                        .consoleOutput(console)
                        .build(),
                console,
                0);
        assertTrue(out.contains("ro 1 flush 1 discard 0 write-zeroes 0"), out);
        assertTrue(out.contains("virtio-blk: write 0 4 status 1"), out);
        assertTrue(out.contains(String.format("crc32 0x%08x", crc(before))), out);
        assertArrayEquals(before, Files.readAllBytes(img));
    }

    @Test
    void severalDrivesEachWithItsOwnWindowAndIrq() throws Exception {
        Path a = image();
        Path b = Files.write(dir.resolve("b.img"), new byte[1 << 20]);
        Probes.Console console = new Probes.Console();
        VmConfig config = Probes.config("virtio-blk", "dev=1 op=id,write sector=2 count=1 pattern=66")
                .memoryMib(64)
                .drive("first", a, true)
                .drive("second", b, false)
                .rng(true)
                .consoleOutput(console)
                .build();
        try (Vm vm = Vm.create(config)) {
            var slots = vm.virtioDevices();
            assertEquals(3, slots.size());
            assertEquals(0xd000_0000L, slots.get(0).base());
            assertEquals(0xd000_1000L, slots.get(1).base());
            assertEquals(VirtioMmioDevices.FIRST_IRQ + 2, slots.get(2).irq());
            assertTrue(vm.kernelCmdline().contains("virtio_mmio.device=4K@0xd0001000:6"), vm.kernelCmdline());
            vm.start();
            assertEquals(new VmExit.DebugExit(0), vm.awaitExit(TIMEOUT).orElseThrow(), console.toString());
        }
        assertTrue(console.toString().contains("virtio-blk: id second\n"), console.toString());
        assertTrue(console.toString().contains("capacity 2048 ro 0"), console.toString());
        byte[] bb = Files.readAllBytes(b);
        assertEquals(66, bb[2 * 512]);
        assertEquals(0, bb[3 * 512]);
    }

    @Test
    void imageInUseByAnotherVmIsRefused() throws Exception {
        Path img = image();
        VmConfig first = Probes.config("hello", "").drive(null, img, false).build();
        try (Vm vm = Vm.create(first)) {
            ConfigException e = assertThrows(ConfigException.class, () -> Vm.create(first));
            assertTrue(
                    e.getMessage().startsWith("drives.vda: ") && e.getMessage().contains("in use by another VM"),
                    e.getMessage());
        }
        // Released with the VM.
        Vm.create(first).close();
    }
}
