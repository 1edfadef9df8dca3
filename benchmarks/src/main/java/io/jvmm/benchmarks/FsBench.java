package io.jvmm.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * virtio-fs read throughput and metadata rate against virtio-blk and the host, on one file in the
 * page cache: the {@code virtio-fs} probe reads it through a share ({@code ./jvmm boot --share}), the
 * {@code virtio-blk} probe reads the same file as a raw image ({@code --drive}), and this JVM reads
 * it with a {@link FileChannel}, the three alternating in every round; medians of the rounds.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jvmm.benchmarks.FsBench [runs]
 * </pre>
 * Run from the repository root (it calls ./jvmm and probes/target/*.elf).
 */
public final class FsBench {
    private static final int FILE_MIB = 64;
    private static final Pattern META = Pattern.compile("bench meta pairs (\\d+) status 0 cycles (\\d+)");

    /** One workload: request size, depth, random offsets, MiB in total (enough for a second or more). */
    private record Workload(int kib, int depth, boolean random, int mib) {
        String name() {
            return (random ? "random " : "sequential ") + (kib >= 1024 ? kib / 1024 + " MiB" : kib + " KiB")
                    + " reads, depth " + depth;
        }

        long requests() {
            return (long) mib * 1024 / kib;
        }
    }

    private static final List<Workload> WORKLOADS = List.of(
            new Workload(1024, 1, false, 4000),
            new Workload(1024, 32, false, 4000),
            new Workload(4, 1, true, 200),
            new Workload(4, 32, true, 1000));

    private FsBench() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        double hz = ProbeOutput.tscHz();
        Path dir = Files.createTempDirectory("jvmm-fsbench-");
        Path file = dir.resolve("data");
        try {
            byte[] chunk = new byte[1 << 20];
            new Random(1).nextBytes(chunk);
            try (var out = Files.newOutputStream(file)) {
                for (int i = 0; i < FILE_MIB; i++) out.write(chunk);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%d MiB file in the page cache, TSC %.0f MHz, median (min-max) of %d rounds, load average %s%n",
                    FILE_MIB,
                    hz / 1e6,
                    runs,
                    loadAverage());
            System.out.println("| workload | virtio-fs | virtio-blk | host FileChannel | fs / blk | fs / host |");
            System.out.println("|---|---|---|---|---|---|");
            for (Workload w : WORKLOADS) {
                String common = "bs=" + w.kib + " depth=" + w.depth + " mib=" + w.mib + " eventidx=1"
                        + (w.random ? " random=1" : "");
                List<String> fs = fsProbe(dir, "bench=read in=data " + common);
                List<String> blk = new ArrayList<>(VmmComparison.jvmm("virtio-blk", "op=bench rw=read " + common));
                blk.addAll(List.of("--no-rng", "--drive", file.toString()));
                hostRead(file, w); // warm-up: the JIT and the page cache
                double[] f = new double[runs], b = new double[runs], h = new double[runs];
                for (int i = 0; i < runs; i++) {
                    f[i] = ProbeOutput.bench(VmmComparison.output(fs, "virtio-fs: bench"))
                            .mbPerSecond(hz);
                    b[i] = ProbeOutput.bench(VmmComparison.output(blk, "virtio-blk: bench"))
                            .mbPerSecond(hz);
                    h[i] = hostRead(file, w);
                }
                boolean iops = w.kib < 1024;
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %s | %s | %s | %.2f | %.2f |%n",
                        w.name(),
                        figure(f, w, iops),
                        figure(b, w, iops),
                        figure(h, w, iops),
                        VmmComparison.median(f) / VmmComparison.median(b),
                        VmmComparison.median(f) / VmmComparison.median(h));
            }
            metadata(dir, runs, hz);
            System.out.println("load average at the end: " + loadAverage());
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private static List<String> fsProbe(Path dir, String cmdline) {
        List<String> c = new ArrayList<>(VmmComparison.jvmm("virtio-fs", cmdline));
        c.addAll(List.of("--no-rng", "--share", "bench=" + dir + ",ro"));
        return c;
    }

    /** LOOKUP + GETATTR pairs per second, one request at a time, from the probe. */
    private static void metadata(Path dir, int runs, double hz) throws Exception {
        int pairs = 20_000;
        List<String> cmd = fsProbe(dir, "bench=meta in=data count=" + pairs + " eventidx=1");
        double[] r = new double[runs];
        for (int i = 0; i < runs; i++) {
            String out = VmmComparison.output(cmd, "virtio-fs: bench meta");
            Matcher m = META.matcher(out);
            if (!m.find()) throw new IllegalStateException("no successful meta bench line in:\n" + out);
            r[i] = Long.parseLong(m.group(1)) / (Long.parseLong(m.group(2)) / hz);
        }
        System.out.printf(
                Locale.ROOT,
                "| LOOKUP + GETATTR pairs, depth 1 (%d per run) | %.1fk pairs/s (%.1f-%.1fk) | | | | |%n",
                pairs,
                VmmComparison.median(r) / 1e3,
                min(r) / 1e3,
                max(r) / 1e3);
    }

    /**
     * The host's own reads of the same sizes in this JVM: {@code depth} threads, each with a direct
     * buffer and positional reads, sharing the workload's requests (random offsets from the probes'
     * xorshift sequence). Returns MB/s.
     */
    private static double hostRead(Path file, Workload w) throws Exception {
        long size = Files.size(file), bs = w.kib * 1024L, slots = size / bs, n = w.requests();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            List<Thread> threads = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < w.depth; t++) {
                long share = n / w.depth + (t < n % w.depth ? 1 : 0);
                long seed = 0x9e3779b97f4a7c15L + t;
                long first = (long) t * share;
                threads.add(Thread.ofPlatform().start(() -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect((int) bs);
                    long rnd = seed, next = first * bs % (slots * bs);
                    try {
                        for (long i = 0; i < share; i++) {
                            long off;
                            if (w.random) {
                                rnd ^= rnd << 13;
                                rnd ^= rnd >>> 7;
                                rnd ^= rnd << 17;
                                off = Long.remainderUnsigned(rnd, slots) * bs;
                            } else {
                                off = next;
                                next = off + 2 * bs > size ? 0 : off + bs;
                            }
                            buf.clear();
                            while (buf.hasRemaining()) {
                                if (ch.read(buf, off + buf.position()) < 0) throw new IOException("short file");
                            }
                        }
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            return n * bs / ((System.nanoTime() - t0) / 1e9) / 1e6;
        }
    }

    private static String figure(double[] mbs, Workload w, boolean iops) {
        double k = iops ? 1e6 / (w.kib * 1024.0) / 1e3 : 1;
        String unit = iops ? "k IOPS" : " MB/s";
        return String.format(
                Locale.ROOT,
                iops ? "%.1f%s (%.1f-%.1f)" : "%.0f%s (%.0f-%.0f)",
                VmmComparison.median(mbs) * k,
                unit,
                min(mbs) * k,
                max(mbs) * k);
    }

    private static double min(double[] v) {
        double m = Double.MAX_VALUE;
        for (double x : v) m = Math.min(m, x);
        return m;
    }

    private static double max(double[] v) {
        double m = -Double.MAX_VALUE;
        for (double x : v) m = Math.max(m, x);
        return m;
    }

    private static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }
}
