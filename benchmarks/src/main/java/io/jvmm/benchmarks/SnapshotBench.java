package io.jvmm.benchmarks;

import io.jvmm.core.Vm;
import io.jvmm.core.VmConfig;
import io.jvmm.files.FileTrees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Snapshot and restore of the counter probe in one warm JVM: time to write a snapshot of a 256 MiB
 * guest and its size on disk, and restore-to-running (Vm.restore + start until the guest's next
 * console line), median of {@code runs}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.jvmm.benchmarks.SnapshotBench [runs]</pre>
 */
public final class SnapshotBench {
    private SnapshotBench() {}

    /** A console sink that records when the first newline arrived. */
    private static final class FirstLine extends ByteArrayOutputStream {
        volatile long at;

        @Override
        public synchronized void write(int b) {
            super.write(b);
            if (b == '\n' && at == 0) at = System.nanoTime();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) write(b[off + i]);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("rss")) {
            rss();
            return;
        }
        if (args.length > 0 && args[0].equals("linux")) {
            linux(args.length > 1 ? Integer.parseInt(args[1]) : 20);
            return;
        }
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path probe = Path.of(System.getProperty("jvmm.probes.dir", "probes/target"), "counter.elf");
        Path work = Files.createTempDirectory("jvmm-snapbench-");
        try {
            double[] snapMs = new double[5];
            long onDisk = 0;
            for (int i = 0; i < snapMs.length; i++) {
                Path dir = work.resolve("s" + i);
                VmConfig c = VmConfig.builder()
                        .kernel(probe)
                        .cmdline("every=50000000")
                        .memoryMib(256)
                        .consoleOutput(new ByteArrayOutputStream())
                        .build();
                try (Vm vm = Vm.create(c)) {
                    vm.start();
                    Thread.sleep(200);
                    vm.pause();
                    long t0 = System.nanoTime();
                    vm.snapshot(dir);
                    snapMs[i] = (System.nanoTime() - t0) / 1e6;
                }
                onDisk = allocated(dir.resolve("memory")) + Files.size(dir.resolve("state"));
            }
            Path snap = work.resolve("s0");
            double[] restoreMs = new double[runs], startedMs = new double[runs];
            for (int i = -3; i < runs; i++) { // three warm-ups
                FirstLine console = new FirstLine();
                VmConfig c = VmConfig.builder()
                        .cmdline("every=50000000")
                        .memoryMib(256)
                        .consoleOutput(console)
                        .buildForRestore();
                long t0 = System.nanoTime();
                try (Vm vm = Vm.restore(snap, c)) {
                    vm.start();
                    if (i >= 0) startedMs[i] = (System.nanoTime() - t0) / 1e6;
                    while (console.at == 0) Thread.onSpinWait();
                    if (i >= 0) restoreMs[i] = (console.at - t0) / 1e6;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "| snapshot of a 256 MiB counter probe (pause -> files written), median of %d | %.1f ms, %.1f MiB on disk |%n",
                    snapMs.length,
                    median(snapMs),
                    onDisk / 1048576.0);
            System.out.printf(
                    Locale.ROOT,
                    "| probe restore: Vm.restore + start returned (vCPUs running), median of %d | %.1f ms (min %.1f) |%n",
                    runs,
                    median(startedMs),
                    Arrays.stream(startedMs).min().orElse(0));
            System.out.printf(
                    Locale.ROOT,
                    "| probe restore to the guest's next console line, median of %d | %.1f ms (min %.1f) |%n",
                    runs,
                    median(restoreMs),
                    Arrays.stream(restoreMs).min().orElse(0));
        } finally {
            FileTrees.deleteQuietly(work);
        }
    }

    /**
     * The project's Linux (JVMM_KERNEL_DIR), 256 MiB, ext4 root on virtio-blk: booted once (slow on
     * kvm_pvm), snapshotted when its init prints, then restored {@code runs} times; restore to
     * running is Vm.restore + start until the restored guest's next console line.
     */
    private static void linux(int runs) throws Exception {
        Path kernel = Path.of(System.getenv().getOrDefault("JVMM_KERNEL_DIR", ""));
        if (!Files.isRegularFile(kernel.resolve("vmlinux")))
            throw new IllegalStateException("set JVMM_KERNEL_DIR to kernel/build.sh's output");
        Path work = Files.createTempDirectory("jvmm-snapbench-linux-");
        try {
            Path tree = Files.createDirectories(work.resolve("root"));
            Files.createDirectories(tree.resolve("sbin"));
            Files.createDirectories(tree.resolve("dev"));
            Files.copy(kernel.resolve("init"), tree.resolve("sbin/init"), StandardCopyOption.COPY_ATTRIBUTES);
            Path img = work.resolve("root.ext4");
            Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString(), "8M")
                    .inheritIO()
                    .start();
            if (mkfs.waitFor() != 0) throw new IllegalStateException("mkfs.ext4 failed");
            Path snap = work.resolve("snap");
            ByteArrayOutputStream boot = new ByteArrayOutputStream();
            VmConfig c = VmConfig.builder()
                    .kernel(kernel.resolve("vmlinux"))
                    .drive(null, img, false)
                    .rng(true)
                    .memoryMib(256)
                    .cmdline("quiet")
                    .consoleOutput(boot)
                    .build();
            long t0 = System.nanoTime();
            try (Vm vm = Vm.create(c)) {
                vm.start();
                while (!boot.toString(StandardCharsets.ISO_8859_1).contains("jvmm-init: hello from user space"))
                    Thread.sleep(5);
                vm.pause();
                long s0 = System.nanoTime();
                vm.snapshot(snap);
                System.out.printf(
                        Locale.ROOT,
                        "| Linux 256 MiB: boot to init %.1f s here; snapshot %.0f ms, %.1f MiB on disk |%n",
                        (s0 - t0) / 1e9,
                        (System.nanoTime() - s0) / 1e6,
                        (allocated(snap.resolve("memory")) + Files.size(snap.resolve("state"))) / 1048576.0);
            }
            double[] ms = new double[runs], started = new double[runs];
            for (int i = -2; i < runs; i++) {
                FirstLine console = new FirstLine();
                VmConfig r = VmConfig.builder()
                        .drive(null, img, false)
                        .rng(true)
                        .memoryMib(256)
                        .consoleOutput(console)
                        .buildForRestore();
                long t1 = System.nanoTime();
                try (Vm vm = Vm.restore(snap, r)) {
                    vm.start();
                    if (i >= 0) started[i] = (System.nanoTime() - t1) / 1e6;
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    while (console.at == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
                    if (console.at == 0) throw new IllegalStateException("the restored Linux printed nothing");
                    if (i >= 0) ms[i] = (console.at - t1) / 1e6;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "| Linux 256 MiB restore: Vm.restore + start returned (vCPUs running), median of %d | %.1f ms (min %.1f) |%n",
                    runs,
                    median(started),
                    Arrays.stream(started).min().orElse(0));
            System.out.printf(
                    Locale.ROOT,
                    "| Linux 256 MiB restore to the init's next console line (guest kernel work included), median of %d | %.1f ms (min %.1f) |%n",
                    runs,
                    median(ms),
                    Arrays.stream(ms).min().orElse(0));
        } finally {
            FileTrees.deleteQuietly(work);
        }
    }

    /**
     * Memory of ten VMs in this process, as proportional set size (PSS: shared pages divided among
     * their mappers): ten counter probes booted separately, each touching 64 MiB, against ten restored
     * from one snapshot taken after such a touch.
     */
    private static void rss() throws Exception {
        Path probe = Path.of(System.getProperty("jvmm.probes.dir", "probes/target"), "counter.elf");
        Path work = Files.createTempDirectory("jvmm-snapbench-rss-");
        String cmd = "touch=64 every=1000000000";
        try {
            long base = pssKiB();
            List<Vm> vms = new ArrayList<>();
            List<ByteArrayOutputStream> outs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                outs.add(o);
                Vm vm = Vm.create(VmConfig.builder()
                        .kernel(probe)
                        .cmdline(cmd)
                        .memoryMib(128)
                        .consoleOutput(o)
                        .build());
                vms.add(vm);
                vm.start();
            }
            for (ByteArrayOutputStream o : outs) awaitText(o, "counter: touched 64 MiB");
            long booted = pssKiB() - base;
            for (Vm vm : vms) vm.close();
            vms.clear();

            Path snap = work.resolve("snap");
            ByteArrayOutputStream o0 = new ByteArrayOutputStream();
            try (Vm vm = Vm.create(VmConfig.builder()
                    .kernel(probe)
                    .cmdline(cmd)
                    .memoryMib(128)
                    .consoleOutput(o0)
                    .build())) {
                vm.start();
                awaitText(o0, "counter: touched 64 MiB");
                vm.pause();
                vm.snapshot(snap);
            }
            System.gc();
            base = pssKiB();
            outs.clear();
            for (int i = 0; i < 10; i++) {
                FirstLine o = new FirstLine();
                outs.add(o);
                Vm vm = Vm.restore(
                        snap, VmConfig.builder().memoryMib(128).consoleOutput(o).buildForRestore());
                vms.add(vm);
                vm.start();
            }
            for (ByteArrayOutputStream o : outs) {
                while (((FirstLine) o).at == 0) Thread.sleep(1);
            }
            // The restored guests do not touch their memory again; read it for them, as a guest that
            // uses its RAM would: every page is then mapped, from the snapshot file's shared pages.
            byte[] chunk = new byte[1 << 20];
            long sum = 0;
            for (Vm vm : vms) {
                for (long a = 16L << 20; a < 80L << 20; a += chunk.length) {
                    vm.memory().read(a, chunk);
                    sum += chunk[4096];
                }
            }
            long restored = pssKiB() - base;
            if (sum == 42) System.out.print(""); // keep the reads
            for (Vm vm : vms) vm.close();
            System.out.printf(
                    Locale.ROOT,
                    "| ten VMs that touched 64 MiB each: booted separately | +%.0f MiB PSS |%n",
                    booted / 1024.0);
            System.out.printf(
                    Locale.ROOT,
                    "| ten VMs restored from one snapshot taken after the touch, running, all 64 MiB read | +%.0f MiB PSS |%n",
                    restored / 1024.0);
        } finally {
            FileTrees.deleteQuietly(work);
        }
    }

    private static void awaitText(ByteArrayOutputStream o, String text) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!o.toString(StandardCharsets.ISO_8859_1).contains(text)) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("no \"" + text + "\": " + o);
            Thread.sleep(2);
        }
    }

    /** This process's proportional set size, from /proc/self/smaps_rollup. */
    private static long pssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
            if (line.startsWith("Pss:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no Pss in /proc/self/smaps_rollup");
    }

    /** Bytes the file occupies on disk (holes excluded), from du. */
    private static long allocated(Path p) throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "-B1", "--", p.toString()).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        du.waitFor();
        return Long.parseLong(out.split("\\s+")[0]);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
