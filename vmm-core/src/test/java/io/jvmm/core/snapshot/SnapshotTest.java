package io.jvmm.core.snapshot;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.core.IrqChipMode;
import io.jvmm.core.Vm;
import io.jvmm.core.VmConfig;
import io.jvmm.core.VmExit;
import io.jvmm.kvm.Kvm;
import io.jvmm.virtio.vsock.VsockStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pause, snapshot and restore with the counter probe: it counts at CPL3 in guest RAM (the counter at
 * guest-physical 0x300000) and prints every {@code every} increments.
 */
class SnapshotTest {
    private static final long COUNTER = 0x300000;
    // Whole lines only: a snapshot can catch the guest mid-line, and a prefix like "counter: 12"
    // of "counter: 12000000" would read as a smaller count.
    private static final Pattern LINE = Pattern.compile("counter: (\\d+)\\r?\\n");

    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
    }

    static Path probe(String name) {
        Path p = Path.of(System.getProperty("jvmm.probes.dir", "../probes/target"))
                .resolve(name + ".elf");
        assertTrue(Files.isRegularFile(p), "probe " + p + " was not built");
        return p;
    }

    /** Console capture that tests can wait on. */
    static final class Console extends ByteArrayOutputStream {
        @Override
        public synchronized String toString() {
            return new String(toByteArray(), StandardCharsets.ISO_8859_1);
        }

        boolean await(Pattern p, long millis) throws InterruptedException {
            long end = System.nanoTime() + millis * 1_000_000;
            while (System.nanoTime() < end) {
                if (p.matcher(toString()).find()) return true;
                Thread.sleep(5);
            }
            return false;
        }

        /** The largest counter value printed so far, or -1. */
        long last() {
            Matcher m = LINE.matcher(toString());
            long v = -1;
            while (m.find()) v = Math.max(v, Long.parseLong(m.group(1)));
            return v;
        }
    }

    private static VmConfig config(Console console) {
        return VmConfig.builder()
                .kernel(probe("counter"))
                .cmdline("every=2000000")
                .memoryMib(64)
                .consoleOutput(console)
                .build();
    }

    private Vm bootAndCount(Console console) throws Exception {
        Vm vm = Vm.create(config(console));
        vm.start();
        assertTrue(console.await(LINE, 30_000), "the counter does not count: " + console);
        return vm;
    }

    @Test
    void pauseHoldsTheCountAndResumeGoesOn() throws Exception {
        Console console = new Console();
        try (Vm vm = bootAndCount(console)) {
            vm.pause();
            long a = vm.memory().readLong(COUNTER);
            Thread.sleep(100);
            assertEquals(a, vm.memory().readLong(COUNTER), "the guest ran while paused");
            assertTrue(vm.isPaused());
            vm.resume();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (vm.memory().readLong(COUNTER) == a && System.nanoTime() < deadline) Thread.sleep(5);
            assertTrue(vm.memory().readLong(COUNTER) > a, "the guest did not go on after resume");
        }
    }

    @Test
    void snapshotNeedsAPausedVm() throws Exception {
        Console console = new Console();
        try (Vm vm = bootAndCount(console)) {
            assertThrows(IllegalStateException.class, () -> vm.snapshot(dir.resolve("s")));
        }
    }

    /** Takes a snapshot mid-count; returns the counter's value in it. */
    private long snapshot(Path snap) throws Exception {
        Console console = new Console();
        try (Vm vm = bootAndCount(console)) {
            vm.pause();
            long value = vm.memory().readLong(COUNTER);
            long written = vm.snapshot(snap);
            assertTrue(written < 16L << 20, "a 64 MiB probe touches little RAM: " + written + " bytes written");
            assertTrue(value > 0);
            return value;
        }
    }

    @Test
    void kernelIrqchipSnapshotRestoresToAKernelIrqchip() throws Exception {
        Console console = new Console();
        Path snap = dir.resolve("kernel-irqchip");
        VmConfig kernelChip = VmConfig.builder()
                .kernel(probe("counter"))
                .cmdline("every=2000000")
                .memoryMib(64)
                .irqchip(IrqChipMode.KERNEL)
                .consoleOutput(console)
                .build();
        try (Vm vm = Vm.create(kernelChip)) {
            vm.start();
            assertTrue(console.await(LINE, 30_000), "the counter does not count: " + console);
            vm.pause();
            vm.snapshot(snap);
        }
        // The snapshot decides: a config asking for AUTO still gets the snapshot's in-kernel irqchip.
        Console after = new Console();
        try (Vm vm = Vm.restore(snap, config(after))) {
            assertEquals(IrqChipMode.KERNEL, vm.irqchip());
            vm.start();
            assertTrue(after.await(LINE, 30_000), "the restored counter does not count: " + after);
        }
    }

    @Test
    void restoredVmCountsOnFromTheSnapshot() throws Exception {
        Path snap = dir.resolve("snap");
        long at = snapshot(snap);
        assertEquals(64L << 20, Files.size(snap.resolve("memory")), "the memory file spans all RAM");
        Console console = new Console();
        try (Vm vm = Vm.restore(snap, config(console))) {
            assertEquals(at, vm.memory().readLong(COUNTER), "restored RAM holds the snapshot's count");
            vm.start();
            assertTrue(console.await(LINE, 30_000), "no output after restore: " + console);
            assertFalse(console.toString().contains("counter: start"), "the guest booted again instead of going on");
            // ">=": the snapshot may fall between the count reaching a multiple of every and its
            // line; a guest that started over would print less (or "counter: start").
            assertTrue(console.last() >= at, "counted on from " + at + ": " + console);
        }
    }

    @Test
    void restoreInAnotherProcess() throws Exception {
        Path snap = dir.resolve("snap");
        long at = snapshot(snap);
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "io.jvmm.core.ProbeMain",
                probe("counter").toString(),
                "every=2000000",
                "--restore",
                snap.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1))) {
            // The snapshot may have caught the guest mid-line: the rest of that line comes first.
            String line;
            Matcher m = null;
            for (int i = 0; i < 3 && (line = r.readLine()) != null; i++) {
                m = Pattern.compile("^counter: (\\d+)$").matcher(line);
                if (m.find()) break;
                assertFalse(line.contains("counter: start"), "the guest booted again");
                m = null;
            }
            assertNotNull(m, "the restored VM printed no counter line");
            // ">=": the snapshot may fall between the count reaching a multiple of every and its line.
            assertTrue(Long.parseLong(m.group(1)) >= at, m.group() + " after a snapshot at " + at);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void tenVmsFromOneSnapshotDivergeWithoutTouchingIt() throws Exception {
        Path snap = dir.resolve("snap");
        long at = snapshot(snap);
        String before = sha256(snap.resolve("memory"));
        List<Vm> vms = new ArrayList<>();
        List<Console> consoles = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Console c = new Console();
                consoles.add(c);
                vms.add(Vm.restore(snap, config(c)));
            }
            for (Vm vm : vms) vm.start();
            for (int i = 0; i < 10; i++) assertTrue(consoles.get(i).await(LINE, 60_000), "VM " + i + " silent");
            for (int i = 0; i < 10; i++) {
                vms.get(i).pause();
                // Each VM's own write lands in its private copy only.
                vms.get(i).memory().writeLong(COUNTER + 8, 1000 + i);
            }
            for (int i = 0; i < 10; i++) {
                assertEquals(1000 + i, vms.get(i).memory().readLong(COUNTER + 8));
                assertTrue(vms.get(i).memory().readLong(COUNTER) >= at, "VM " + i + " counts on from the snapshot");
            }
        } finally {
            for (Vm vm : vms) vm.close();
        }
        assertEquals(before, sha256(snap.resolve("memory")), "the snapshot's memory file changed");
    }

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void badSnapshotsAreRefusedWithOneLine() throws Exception {
        Path snap = dir.resolve("snap");
        snapshot(snap);
        byte[] good = Files.readAllBytes(snap.resolve("state"));
        Console console = new Console();

        String bad = refuse(
                snap,
                good,
                b -> {
                    b[b.length / 2] ^= 1;
                    return b;
                },
                config(console));
        assertTrue(bad.contains("checksum mismatch"), bad);
        bad = refuse(snap, good, b -> Arrays.copyOf(b, b.length - 10), config(console));
        assertTrue(bad.contains("truncated"), bad);
        bad = refuse(
                snap,
                good,
                b -> {
                    b[11] = 9;
                    return b;
                },
                config(console)); // version 9
        assertTrue(bad.contains("format version 9"), bad);
        bad = refuse(
                snap,
                good,
                b -> {
                    b[15] = 40;
                    return b;
                },
                config(console)); // ARM
        assertTrue(bad.contains("another architecture"), bad);
        bad = refuse(
                snap,
                good,
                b -> {
                    b[0] = 'X';
                    return b;
                },
                config(console));
        assertTrue(bad.contains("not a jvmm snapshot"), bad);
        Files.write(snap.resolve("state"), good);

        VmConfig small =
                VmConfig.builder().kernel(probe("counter")).memoryMib(32).build();
        SnapshotException e = assertThrows(SnapshotException.class, () -> Vm.restore(snap, small));
        assertTrue(e.getMessage().contains("64 MiB of RAM; the configuration gives only 32 MiB"), e.getMessage());

        VmConfig withRng = VmConfig.builder()
                .kernel(probe("counter"))
                .memoryMib(64)
                .rng(true)
                .build();
        e = assertThrows(SnapshotException.class, () -> Vm.restore(snap, withRng));
        assertTrue(e.getMessage().contains("devices are [] but the configuration gives [rng]"), e.getMessage());

        try (var ch = FileChannel.open(snap.resolve("memory"), StandardOpenOption.WRITE)) {
            ch.truncate(1 << 20);
        }
        e = assertThrows(SnapshotException.class, () -> Vm.restore(snap, config(console)));
        assertTrue(e.getMessage().contains("truncated or not this snapshot's"), e.getMessage());
        e = assertThrows(SnapshotException.class, () -> Vm.restore(dir.resolve("nothing"), config(console)));
        assertTrue(e.getMessage().contains("no such snapshot directory"), e.getMessage());
    }

    @FunctionalInterface
    interface Damage {
        byte[] apply(byte[] b);
    }

    private static String refuse(Path snap, byte[] good, Damage d, VmConfig config) throws Exception {
        Files.write(snap.resolve("state"), d.apply(good.clone()));
        SnapshotException e = assertThrows(SnapshotException.class, () -> Vm.restore(snap, config));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void existingSnapshotIsNotOverwritten() throws Exception {
        Path snap = dir.resolve("snap");
        snapshot(snap);
        Console console = new Console();
        try (Vm vm = bootAndCount(console)) {
            vm.pause();
            SnapshotException e = assertThrows(SnapshotException.class, () -> vm.snapshot(snap));
            assertTrue(e.getMessage().contains("already holds a snapshot"), e.getMessage());
        }
    }

    @Test
    void blockIoGoesOnAcrossSnapshotAndRestore() throws Exception {
        Path img = dir.resolve("disk.img");
        Files.write(img, new byte[8 << 20]);
        // Writes the fill pattern over the whole disk, then reads it back with a checksum.
        String cmd = "op=fill,checksum sector=0 count=16384";
        Path snap = dir.resolve("snap");
        Console first = new Console();
        VmConfig config = VmConfig.builder()
                .kernel(probe("virtio-blk"))
                .cmdline(cmd)
                .memoryMib(64)
                .drive(null, img, false)
                .consoleOutput(first)
                .build();
        try (Vm vm = Vm.create(config)) {
            vm.start();
            assertTrue(first.await(Pattern.compile("virtio-blk: capacity"), 30_000), first.toString());
            vm.pause();
            vm.snapshot(snap);
        }
        assertFalse(first.toString().contains("checksum"), "snapshot taken before the work was done: " + first);
        Console second = new Console();
        VmConfig again = VmConfig.builder()
                .kernel(probe("virtio-blk"))
                .cmdline(cmd)
                .memoryMib(64)
                .drive(null, img, false)
                .consoleOutput(second)
                .build();
        try (Vm vm = Vm.restore(snap, again)) {
            vm.start();
            VmExit exit =
                    vm.awaitExit(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("hangs: " + second));
            assertEquals(new VmExit.DebugExit(0), exit, first + "--- restored:\n" + second);
        }
        // What the guest wrote before and after the snapshot is all in the image.
        byte[] disk = Files.readAllBytes(img);
        CRC32 crc = new CRC32();
        crc.update(disk);
        assertTrue(second.toString().contains(String.format("crc32 0x%08x", crc.getValue())), second.toString());
        for (int sector = 0; sector < 16384; sector += 1021) {
            assertEquals((byte) ((sector * 31 + 5) & 0xff), disk[sector * 512 + 5], "sector " + sector);
        }
    }

    @Test
    void vsockIsResetByTheRestoreThenUsable() throws Exception {
        Path snap = dir.resolve("snap");
        String cmd = "op=echo-server port=5000 count=2 survive-reset=1";
        Console first = new Console();
        VmConfig config = VmConfig.builder()
                .kernel(probe("virtio-vsock"))
                .cmdline(cmd)
                .memoryMib(64)
                .vsock(3, null)
                .consoleOutput(first)
                .build();
        try (Vm vm = Vm.create(config)) {
            vm.start();
            assertTrue(first.await(Pattern.compile("listening on 5000"), 30_000), first.toString());
            // One stream open at the snapshot: it cannot survive the restore.
            VsockStream open = vm.vsock().connect(5000, Duration.ofSeconds(10));
            open.output().write(new byte[] {1, 2, 3});
            vm.pause();
            vm.snapshot(snap);
        }
        Console second = new Console();
        VmConfig again = VmConfig.builder()
                .kernel(probe("virtio-vsock"))
                .cmdline(cmd)
                .memoryMib(64)
                .vsock(3, null)
                .consoleOutput(second)
                .build();
        try (Vm vm = Vm.restore(snap, again)) {
            vm.start();
            assertTrue(second.await(Pattern.compile("transport reset \\(cid now 3\\)"), 30_000), second.toString());
            assertTrue(second.await(Pattern.compile("listening on 5000"), 30_000), second.toString());
            VsockStream s = vm.vsock().connect(5000, Duration.ofSeconds(10));
            byte[] data = "after the restore".getBytes(StandardCharsets.US_ASCII);
            s.output().write(data);
            s.shutdownOutput();
            assertArrayEquals(data, s.input().readAllBytes(), second.toString());
            s.close();
        }
    }
}
