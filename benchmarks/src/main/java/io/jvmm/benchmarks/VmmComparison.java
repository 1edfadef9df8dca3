package io.jvmm.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jvmm against QEMU's microvm on the same guests, in the same run, as whole processes: what a user
 * of either command line sees. Runs alternate between the two VMMs so drift on a shared machine hits
 * both alike; medians are reported.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jvmm.benchmarks.VmmComparison floor|exits|linux [runs]
 * </pre>
 * Run from the repository root (it calls ./jvmm and probes/target/*.elf).
 */
public final class VmmComparison {
    private static final List<String> QEMU_MICROVM = List.of(
            "qemu-system-x86_64",
            "-M",
            "microvm,x-option-roms=off,isa-serial=on,rtc=off,pic=off,pit=off,acpi=off",
            "-enable-kvm",
            "-cpu",
            "host,-arch-capabilities",
            "-m",
            "128",
            "-nodefaults",
            "-no-user-config",
            "-nographic",
            "-serial",
            "stdio",
            "-no-reboot",
            "-device",
            "isa-debug-exit,iobase=0xf4,iosize=4");
    /** What the kvm_pvm CPU template hides, spelled for QEMU, so both VMMs show the guest the same CPU. */
    private static final String QEMU_PVM_CPU = "host,-arch-capabilities,-xsave,-xsavec,-xsaves,-xgetbv1,-cx16,"
            + "-popcnt,-smap,-smep,-fsgsbase,-invpcid,-pcid,-rdrand,-rdseed,-rdpid,-umip,-pku,-avx,-avx2,-erms,-fsrm";

    /** The same second line of defence jvmm's PVM CPU template adds (docs/kvm-pvm.md). */
    private static final String PVM_CLEARCPUID = "noxsave clearcpuid=xsave,popcnt,cx16,smap,smep,fsgsbase,invpcid,pcid,"
            + "rdrand,rdseed,rdpid,umip,pku,erms,fsrm";

    /** The command line jvmm gives the project kernel on a kvm_pvm host (vmm-core's KernelCmdline), for QEMU. */
    private static final String QEMU_LINUX_CMDLINE =
            "console=ttyS0 reboot=k panic=1 8250.nr_uarts=1 jvmm_pvm_fixups percpu_alloc=page noreplace-smp "
                    + PVM_CLEARCPUID;

    private static final String CVMM = "benchmarks/target/cvmm";
    private static final String JVM_FLOOR = "benchmarks/target/jvm-floor";

    private VmmComparison() {}

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "floor";
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 11;
        switch (what) {
            case "floor" -> floor(runs);
            case "exits" -> exits(runs);
            case "linux" -> linux(Math.max(1, args.length > 1 ? runs : 3));
            case "blk" -> blk(args.length > 1 ? runs : 5);
            case "net" -> net(args.length > 1 ? runs : 5);
            default -> {
                System.err.println("usage: VmmComparison floor|exits|linux|blk|net [runs]");
                System.exit(2);
            }
        }
    }

    static List<String> jvmm(String probe, String cmdline) {
        List<String> c = new ArrayList<>(
                List.of("./jvmm", "boot", "--kernel", "probes/target/" + probe + ".elf", "--memory", "128"));
        if (!cmdline.isEmpty()) c.addAll(List.of("--cmdline", cmdline));
        return c;
    }

    /** The minimal C VMM (benchmarks/cvmm/cvmm.c, built by run.sh): the floor for any VMM's own cost. */
    static List<String> cvmm(String probe, String cmdline) {
        return List.of(CVMM, "probes/target/" + probe + ".elf", cmdline, "128");
    }

    static List<String> qemu(String probe, String cmdline) {
        List<String> c = new ArrayList<>(QEMU_MICROVM);
        c.addAll(List.of("-kernel", "probes/target/" + probe + ".elf"));
        if (!cmdline.isEmpty()) c.addAll(List.of("-append", cmdline));
        return c;
    }

    /**
     * The floor as the issue defines it (`./jvmm boot`, whose default machine has a virtio-rng
     * device), the same VM from a hac.toml file, the same devices as the QEMU line (none: `--no-rng`),
     * QEMU, the C floor and the JVM's own floor (a Java hello world with the launcher's flags and
     * its own AOT cache), all alternating.
     */
    private static void floor(int runs) throws Exception {
        List<String> bare = jvmm("hello", "");
        bare.add("--no-rng");
        List<String> hac = List.of("./jvmm", "boot", "--hac", "examples/probe-hello.toml");
        List<String> java = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-XX:-UsePerfData",
                "-XX:TieredStopAtLevel=1",
                "-XX:AOTCache=" + JVM_FLOOR + "/hello.aot",
                "-cp",
                JVM_FLOOR + "/hello.jar",
                "Hello");
        List<List<String>> cmds = List.of(jvmm("hello", ""), hac, bare, qemu("hello", ""), cvmm("hello", ""), java);
        double[][] t =
                alternate(runs, cmds, "hello from", true); // the warm-up fills the page cache and the launcher's caches
        System.out.println("| VMM floor: hello probe, process start to exit | median ms |");
        System.out.println("|---|---|");
        row("jvmm (`./jvmm boot --kernel hello.elf --memory 128`, default devices: virtio-rng)", t[0]);
        row("jvmm (`./jvmm boot --hac examples/probe-hello.toml`, the same VM)", t[1]);
        row("jvmm (`./jvmm boot --no-rng`, no devices, as the QEMU line)", t[2]);
        row("QEMU microvm", t[3]);
        row("C floor (`benchmarks/cvmm`: KVM set-up, the probe, exit)", t[4]);
        row("JVM floor (Java hello world, the launcher's flags, its own AOT cache)", t[5]);
        System.out.printf(
                Locale.ROOT,
                "| ratio jvmm / QEMU: flags, hac.toml, same devices | %.2f / %.2f / %.2f |%n",
                median(t[0]) / median(t[3]),
                median(t[1]) / median(t[3]),
                median(t[2]) / median(t[3]));
    }

    /**
     * µs per exit as (time with n exits - time with none) / n, so process start-up drops out; from CPL3
     * (the probes' default) and CPL0, against QEMU and the minimal C VMM ({@code benchmarks/cvmm}),
     * all three alternating.
     */
    private static void exits(int runs) throws Exception {
        int n = 200_000;
        System.out.println("| exit cost (" + n
                + " exits, minus n=0) | jvmm µs/exit | QEMU µs/exit | C floor µs/exit | jvmm / C | jvmm / QEMU |");
        System.out.println("|---|---|---|---|---|---|");
        for (String probe : List.of("pio-loop", "mmio-loop")) {
            for (String mode : List.of("cpl3", "cpl0")) {
                double[] big = perVmm(runs, probe, "n=" + n + " mode=" + mode);
                double[] zero = perVmm(runs, probe, "n=0 mode=" + mode);
                double j = (big[0] - zero[0]) * 1000 / n,
                        q = (big[1] - zero[1]) * 1000 / n,
                        c = (big[2] - zero[2]) * 1000 / n;
                System.out.printf(
                        Locale.ROOT,
                        "| %s, %s | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
                        probe,
                        mode,
                        j,
                        q,
                        c,
                        j / c,
                        j / q);
            }
        }
    }

    /** Median milliseconds from start to exit of jvmm, QEMU and the C floor on one probe, alternating. */
    private static double[] perVmm(int runs, String probe, String cmdline) throws Exception {
        double[][] t = alternate(
                runs,
                List.of(jvmm(probe, cmdline), qemu(probe, cmdline), cvmm(probe, cmdline)),
                probe + ": done",
                true);
        return new double[] {median(t[0]), median(t[1]), median(t[2])};
    }

    private static void linux(int runs) throws Exception {
        Path dir = Path.of(System.getenv().getOrDefault("JVMM_KERNEL_DIR", ""));
        if (!Files.isRegularFile(dir.resolve("vmlinux"))) {
            System.err.println("set JVMM_KERNEL_DIR to the output of kernel/build.sh");
            System.exit(2);
        }
        String marker = "jvmm-init: hello from user space";
        String vmlinux = dir.resolve("vmlinux").toString(),
                initrd = dir.resolve("initramfs.cpio").toString();
        List<String> j = List.of(
                "./jvmm", "boot", "--kernel", vmlinux, "--initrd", initrd, "--memory", "128", "--cmdline", "quiet");
        List<String> q = new ArrayList<>(QEMU_MICROVM);
        q.set(q.indexOf("host,-arch-capabilities"), QEMU_PVM_CPU);
        // microvm has no i8042 unless asked: without it reboot=k would leave QEMU running.
        q.addAll(List.of(
                "-device", "i8042", "-kernel", vmlinux, "-initrd", initrd, "-append", QEMU_LINUX_CMDLINE + " quiet"));
        double[][] t = alternate(runs, j, q, marker, false);
        System.out.println("| Linux boot to the init's first line (vmlinux, 128 MiB) | median s |");
        System.out.println("|---|---|");
        System.out.printf(
                Locale.ROOT,
                "| initramfs: jvmm | %.1f |%n| initramfs: QEMU microvm | %.1f |%n",
                median(t[0]) / 1000,
                median(t[1]) / 1000);

        // The same init as /sbin/init on an ext4 root on virtio-blk, no initramfs.
        Path tree = Files.createTempDirectory("jvmm-root-");
        Path img = Files.createTempFile("jvmm-root-", ".ext4");
        try {
            Files.createDirectories(tree.resolve("sbin"));
            Files.createDirectories(tree.resolve("dev"));
            Files.copy(dir.resolve("init"), tree.resolve("sbin/init"), StandardCopyOption.COPY_ATTRIBUTES);
            Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString(), "8M")
                    .inheritIO()
                    .start();
            if (mkfs.waitFor() != 0) throw new IllegalStateException("mkfs.ext4 failed");
            List<String> jb = List.of(
                    "./jvmm",
                    "boot",
                    "--kernel",
                    vmlinux,
                    "--drive",
                    img.toString(),
                    "--memory",
                    "128",
                    "--cmdline",
                    "quiet");
            List<String> qb = new ArrayList<>(QEMU_MICROVM);
            qb.set(qb.indexOf("host,-arch-capabilities"), QEMU_PVM_CPU);
            qb.addAll(QEMU_MODERN);
            qb.addAll(List.of(
                    "-device",
                    "i8042",
                    "-drive",
                    "id=d0,file=" + img + ",format=raw,if=none",
                    "-device",
                    "virtio-blk-device,drive=d0",
                    "-device",
                    "virtio-rng-device",
                    "-kernel",
                    vmlinux,
                    "-append",
                    QEMU_LINUX_CMDLINE + " root=/dev/vda rw quiet"));
            double[][] b = alternate(runs, jb, qb, marker, false);
            System.out.printf(
                    Locale.ROOT,
                    "| ext4 root on virtio-blk (+ virtio-rng): jvmm | %.1f |%n| ext4 root on virtio-blk (+ virtio-rng): QEMU microvm | %.1f |%n",
                    median(b[0]) / 1000,
                    median(b[1]) / 1000);
        } finally {
            Files.deleteIfExists(img);
            try (var w = Files.walk(tree)) {
                w.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** QEMU's virtio-mmio devices default to legacy (version 1); the probes drive modern ones only. */
    private static final List<String> QEMU_MODERN = List.of("-global", "virtio-mmio.force-legacy=false");

    /** QEMU's microvm command line with modern virtio-mmio, for the other harnesses (a fresh list to add to). */
    static List<String> qemuMicrovmModern() {
        List<String> q = new ArrayList<>(QEMU_MICROVM);
        q.addAll(QEMU_MODERN);
        return q;
    }

    /**
     * virtio-blk throughput: the same probe (CPL3 driver, polling) on the same raw image, in the page
     * cache, alternating jvmm and QEMU; cycles from the guest's TSC, converted with the host's rate.
     */
    private static void blk(int runs) throws Exception {
        Path img = Files.createTempFile("jvmm-bench-", ".img");
        try {
            byte[] chunk = new byte[1 << 20];
            new Random(1).nextBytes(chunk);
            try (var out = Files.newOutputStream(img)) {
                for (int i = 0; i < 64; i++) out.write(chunk);
            }
            double hz = ProbeOutput.tscHz();
            System.out.printf(
                    Locale.ROOT,
                    "virtio-blk probe, 64 MiB image in the page cache, TSC %.0f MHz, median of %d runs each%n",
                    hz / 1e6,
                    runs);
            System.out.println(
                    "| workload | jvmm MB/s | QEMU MB/s | jvmm IOPS | QEMU IOPS | ratio | kicks/req jvmm | kicks/req QEMU |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            for (String rw : List.of("read", "write", "randread")) {
                for (int[] bd : rw.equals("randread")
                        ? new int[][] {{4, 1}, {4, 32}}
                        : new int[][] {{64, 1}, {64, 32}, {4, 1}, {4, 32}}) {
                    int bs = bd[0], depth = bd[1];
                    // Each run lasts about a second or more, so the JIT's warm-up (~0.1 s) is not what is measured.
                    int mib = bs == 64 ? 4000 : 1000; // the probe takes at most 4080
                    String cmd = "op=bench rw=" + rw.replace("rand", "") + (rw.startsWith("rand") ? " random=1" : "")
                            + " bs=" + bs + " depth=" + depth + " mib=" + mib + " eventidx=1";
                    List<String> j = new ArrayList<>(List.of(
                            "./jvmm",
                            "boot",
                            "--kernel",
                            "probes/target/virtio-blk.elf",
                            "--memory",
                            "128",
                            "--no-rng",
                            "--drive",
                            img.toString(),
                            "--cmdline",
                            cmd));
                    List<String> q = new ArrayList<>(QEMU_MICROVM);
                    q.addAll(QEMU_MODERN);
                    q.addAll(List.of(
                            "-drive",
                            "id=d0,file=" + img + ",format=raw,if=none,cache=writeback",
                            "-device",
                            "virtio-blk-device,drive=d0,queue-size=256",
                            "-kernel",
                            "probes/target/virtio-blk.elf",
                            "-append",
                            cmd));
                    double[] jm = new double[runs], qm = new double[runs], jk = new double[runs], qk = new double[runs];
                    long reqs = (long) mib * 1024 / bs;
                    for (int i = 0; i < runs; i++) {
                        ProbeOutput.Bench a = ProbeOutput.bench(output(j, "virtio-blk: bench"));
                        ProbeOutput.Bench b = ProbeOutput.bench(output(q, "virtio-blk: bench"));
                        jm[i] = a.mbPerSecond(hz);
                        qm[i] = b.mbPerSecond(hz);
                        jk[i] = (double) a.kicks() / reqs;
                        qk[i] = (double) b.kicks() / reqs;
                    }
                    double jmb = median(jm), qmb = median(qm);
                    System.out.printf(
                            Locale.ROOT,
                            "| %s %d KiB, depth %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f |%n",
                            rw,
                            bs,
                            depth,
                            jmb,
                            qmb,
                            jmb * 1e6 / (bs * 1024.0),
                            qmb * 1e6 / (bs * 1024.0),
                            jmb / qmb,
                            median(jk),
                            median(qk));
                }
            }
        } finally {
            Files.deleteIfExists(img);
        }
    }

    /**
     * virtio-net guest to host through the same passt: time for the probe to send N UDP datagrams
     * (each waits for its completion), jvmm vs QEMU; frames/s from the guest's TSC.
     */
    private static void net(int runs) throws Exception {
        double hz = ProbeOutput.tscHz();
        int count = 20000;
        String cmd = "op=dhcp,udp-tx count=" + count + " size=1400 dst=gw:9";
        double[] j = new double[runs], q = new double[runs], jRate = new double[runs], qRate = new double[runs];
        List<String> jvmm = List.of(
                "./jvmm",
                "boot",
                "--kernel",
                "probes/target/virtio-net.elf",
                "--memory",
                "128",
                "--no-rng",
                "--net",
                "--cmdline",
                cmd);
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            String out = output(jvmm, "virtio-net: udp-tx");
            j[i] = (System.nanoTime() - t0) / 1e6;
            jRate[i] = count / (udpTxCycles(out) / hz);
            String[] qOut = new String[1];
            q[i] = qemuWithPasst(cmd, qOut);
            qRate[i] = count / (udpTxCycles(qOut[0]) / hz);
        }
        System.out.printf(
                Locale.ROOT,
                "| virtio-net guest->host, %d x 1400-byte UDP through passt, each waiting for its completion, timed in the guest"
                        + " | jvmm %.1fk frames/s | QEMU %.1fk frames/s | ratio %.2f |%n",
                count,
                median(jRate) / 1e3,
                median(qRate) / 1e3,
                median(jRate) / median(qRate));
        System.out.printf(
                Locale.ROOT,
                "| the same, process start to exit | jvmm %.0f ms | QEMU %.0f ms | ratio %.2f |%n",
                median(j),
                median(q),
                median(q) / median(j));
    }

    /** The TSC cycles the probe's udp-tx line reports. */
    private static double udpTxCycles(String out) {
        Matcher m = Pattern.compile("virtio-net: udp-tx .* cycles (\\d+)").matcher(out);
        if (!m.find()) throw new IllegalStateException("no udp-tx result in:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    /** Milliseconds from passt's start to QEMU's exit; the guest's output goes to {@code out[0]}. */
    private static double qemuWithPasst(String cmd, String[] out) throws Exception {
        long t0 = System.nanoTime();
        try (PasstProcess passt = PasstProcess.start()) {
            List<String> q = qemuMicrovmModern();
            q.addAll(passt.qemuNetArgs());
            q.addAll(List.of("-kernel", "probes/target/virtio-net.elf", "-append", cmd));
            out[0] = output(q, "virtio-net: udp-tx");
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /** Runs {@code cmd} to its end; returns its output, which must contain {@code marker}. */
    static String output(List<String> cmd, String marker) throws Exception {
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        if (!p.waitFor(10, TimeUnit.MINUTES)) p.destroyForcibly();
        if (!out.contains(marker))
            throw new IllegalStateException(String.join(" ", cmd) + " never printed \"" + marker + "\":\n" + out);
        return out;
    }

    /** Runs a then b, {@code runs} times (after one unmeasured warm-up each); milliseconds until {@code marker}. */
    static double[][] alternate(int runs, List<String> a, List<String> b, String marker) throws Exception {
        return alternate(runs, a, b, marker, true);
    }

    static double[][] alternate(int runs, List<String> a, List<String> b, String marker, boolean toExit)
            throws Exception {
        return alternate(runs, List.of(a, b), marker, toExit);
    }

    /** Runs each command in turn, {@code runs} rounds after one unmeasured warm-up each; [command][round] ms. */
    static double[][] alternate(int runs, List<List<String>> cmds, String marker, boolean toExit) throws Exception {
        for (List<String> c : cmds) timeToMarker(c, marker, toExit);
        double[][] t = new double[cmds.size()][runs];
        for (int i = 0; i < runs; i++) {
            for (int k = 0; k < cmds.size(); k++) t[k][i] = timeToMarker(cmds.get(k), marker, toExit);
        }
        return t;
    }

    /**
     * Milliseconds from process start until the process exits ({@code toExit}) or until the output
     * shows {@code marker}; either way the marker must appear, so a failed run is never timed.
     */
    static double timeToMarker(List<String> cmd, String marker, boolean toExit)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        // A guest that hangs before its marker would block readLine forever: bound every run.
        Thread.ofVirtual().start(() -> {
            try {
                if (!p.waitFor(15, TimeUnit.MINUTES)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        });
        long seen = -1;
        StringBuilder out = new StringBuilder();
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
                if (seen < 0 && line.contains(marker)) {
                    seen = System.nanoTime();
                    if (!toExit) break; // the marker is what is timed: don't wait for a slow teardown
                }
            }
        } finally {
            if (!toExit) p.destroyForcibly();
        }
        p.waitFor();
        long end = System.nanoTime();
        if (seen < 0)
            throw new IllegalStateException(String.join(" ", cmd) + " never printed \"" + marker + "\":\n" + out);
        return ((toExit ? end : seen) - t0) / 1e6;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void row(String name, double[] t) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %.1f (min %.1f, max %.1f, n=%d) |%n",
                name,
                median(t),
                Arrays.stream(t).min().orElse(0),
                Arrays.stream(t).max().orElse(0),
                t.length);
    }
}
