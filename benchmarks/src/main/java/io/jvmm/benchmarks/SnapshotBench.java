package io.jvmm.benchmarks;

import io.jvmm.core.Vm;
import io.jvmm.core.VmConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

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
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path probe = Path.of(System.getProperty("jvmm.probes.dir", "probes/target"), "counter.elf");
        Path work = Files.createTempDirectory("jvmm-snapbench-");
        try {
            double[] snapMs = new double[5];
            long onDisk = 0;
            for (int i = 0; i < snapMs.length; i++) {
                Path dir = work.resolve("s" + i);
                VmConfig c = VmConfig.builder().kernel(probe).cmdline("every=50000000").memoryMib(256)
                        .consoleOutput(new ByteArrayOutputStream()).build();
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
            double[] restoreMs = new double[runs];
            for (int i = -3; i < runs; i++) {   // three warm-ups
                FirstLine console = new FirstLine();
                VmConfig c = VmConfig.builder().cmdline("every=50000000").memoryMib(256).consoleOutput(console).buildForRestore();
                long t0 = System.nanoTime();
                try (Vm vm = Vm.restore(snap, c)) {
                    vm.start();
                    while (console.at == 0) Thread.onSpinWait();
                    if (i >= 0) restoreMs[i] = (console.at - t0) / 1e6;
                }
            }
            System.out.printf(Locale.ROOT, "| snapshot of a 256 MiB counter probe (pause -> files written), median of %d | %.1f ms, %.1f MiB on disk |%n",
                    snapMs.length, median(snapMs), onDisk / 1048576.0);
            System.out.printf(Locale.ROOT, "| restore to running: Vm.restore + start until the guest's next console line, median of %d | %.1f ms (min %.1f) |%n",
                    runs, median(restoreMs), Arrays.stream(restoreMs).min().orElse(0));
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
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
