package io.jvmm.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Host to guest networking through passt, jvmm against QEMU: a host thread floods UDP datagrams at
 * a port passt forwards to the {@code virtio-net} probe, whose CPL3 driver counts {@code count} of
 * them and reports the TSC cycles from the first to the last. Runs alternate between the VMMs.
 * The flood itself can be the limit (the sender, passt and the VMM's backend share the core the
 * polling vCPU leaves), so each run also reports the CPU time the VMM's threads other than its
 * vCPUs spent between the probe's first line and its result, per datagram
 * ({@code -Djvmm.bench.threads=true} prints it thread by thread). {@code -Djvmm.bench.pin=true}
 * gives each VMM's vCPU thread CPU 1 alone and puts the VMM's other threads, passt and the sender on
 * CPU 0 ({@link CpuPinning}): less spread, and the rate then measures the VMM's own cost on that core.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jvmm.benchmarks.NetRxBench [runs] [payload bytes] [count]
 * </pre>
 */
public final class NetRxBench {
    private static final Pattern RESULT =
            Pattern.compile("virtio-net: udp-rx (\\d+) datagrams (\\d+) bytes cycles (\\d+)");
    private static final Pattern KICKS = Pattern.compile("virtio-net: kicks (\\d+)");
    private static final int GUEST_PORT = 5555;
    private static final boolean PIN = Boolean.getBoolean("jvmm.bench.pin");

    private NetRxBench() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int payload = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        double hz = ProbeOutput.tscHz();
        double[][] rate = new double[2][runs],
                mbps = new double[2][runs],
                kicks = new double[2][runs],
                cpu = new double[2][runs];
        run(true, payload, count); // warm-ups, unmeasured
        run(false, payload, count);
        for (int i = 0; i < runs; i++) {
            for (int v = 0; v < 2; v++) {
                long[] r = run(v == 0, payload, count);
                double seconds = r[2] / hz;
                rate[v][i] = r[0] / seconds;
                mbps[v][i] = r[1] / seconds / 1e6;
                kicks[v][i] = r[3];
                cpu[v][i] = r[4] / 1e3 / r[0];
            }
        }
        System.out.printf(
                Locale.ROOT,
                "| host -> guest, %d-byte UDP flood through passt, %d datagrams (probe udp-rx), median of %d |"
                        + " jvmm %.0fk datagrams/s (%.1f MB/s) | QEMU %.0fk datagrams/s (%.1f MB/s) | ratio %.2f |%n",
                payload,
                count,
                runs,
                VmmComparison.median(rate[0]) / 1e3,
                VmmComparison.median(mbps[0]),
                VmmComparison.median(rate[1]) / 1e3,
                VmmComparison.median(mbps[1]),
                VmmComparison.median(rate[0]) / VmmComparison.median(rate[1]));
        System.out.printf(
                Locale.ROOT,
                "guest kicks of the receive queue (exits) per 1000 datagrams: jvmm %.1f, QEMU %.1f%n",
                VmmComparison.median(kicks[0]) * 1000 / count,
                VmmComparison.median(kicks[1]) * 1000 / count);
        System.out.printf(
                Locale.ROOT,
                "VMM CPU outside the vCPU threads, µs per datagram: jvmm %.2f, QEMU %.2f%n",
                VmmComparison.median(cpu[0]),
                VmmComparison.median(cpu[1]));
        System.out.println("jvmm runs (k/s): "
                + Arrays.toString(
                        Arrays.stream(rate[0]).map(x -> Math.round(x / 1e3)).toArray()));
        System.out.println("QEMU runs (k/s): "
                + Arrays.toString(
                        Arrays.stream(rate[1]).map(x -> Math.round(x / 1e3)).toArray()));
    }

    /**
     * One run; returns {datagrams, payload bytes, cycles, kicks} as the probe reported them, and the
     * nanoseconds the VMM's non-vCPU threads ran from the probe's "listening" line to its result.
     */
    private static long[] run(boolean jvmm, int payload, int count) throws Exception {
        int hostPort = freeUdpPort();
        String cmd = "op=dhcp,udp-rx port=" + GUEST_PORT + " count=" + count;
        PasstProcess passt = null;
        List<String> vmm;
        if (jvmm) {
            vmm = List.of(
                    "./jvmm",
                    "boot",
                    "--kernel",
                    "probes/target/virtio-net.elf",
                    "--memory",
                    "128",
                    "--no-rng",
                    "-p",
                    hostPort + ":" + GUEST_PORT + "/udp",
                    "--cmdline",
                    cmd);
        } else {
            passt = PasstProcess.start("-u", hostPort + ":" + GUEST_PORT);
            vmm = VmmComparison.qemuMicrovmModern();
            vmm.addAll(List.of("-name", "microvm,debug-threads=on")); // thread names, so ThreadCpu finds "CPU 0/KVM"
            vmm.addAll(passt.qemuNetArgs());
            vmm.addAll(List.of("-kernel", "probes/target/virtio-net.elf", "-append", cmd));
        }
        Process p = new ProcessBuilder(vmm).redirectErrorStream(true).start();
        p.getOutputStream().close();
        AtomicBoolean stop = new AtomicBoolean();
        Thread sender = null;
        StringBuilder out = new StringBuilder();
        long[] result = null;
        ThreadCpu atStart = null;
        Map<String, Long> startByName = null;
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
                if (line.startsWith("virtio-net: listening on udp") && sender == null) {
                    if (PIN) CpuPinning.pinVmm(p.pid(), passt != null ? passt.pid() : passtChildOf(p));
                    atStart = ThreadCpu.of(p.pid());
                    if (Boolean.getBoolean("jvmm.bench.threads")) startByName = ThreadCpu.byName(p.pid());
                    sender = Thread.ofPlatform().name("udp-flood").start(() -> flood(hostPort, payload, stop));
                }
                Matcher m = RESULT.matcher(line);
                if (m.find()) {
                    long vmmNanos = atStart == null
                            ? -1
                            : ThreadCpu.of(p.pid()).minus(atStart).otherNanos();
                    if (startByName != null) {
                        Map<String, Long> end = ThreadCpu.byName(p.pid());
                        Map<String, Long> before = startByName;
                        end.forEach((k, v) -> System.out.printf(
                                Locale.ROOT,
                                "  %s %-20s %6.1f ms%n",
                                jvmm ? "jvmm" : "QEMU",
                                k,
                                (v - before.getOrDefault(k, 0L)) / 1e6));
                    }
                    result = new long[] {
                        Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), -1, vmmNanos
                    };
                    stop.set(true);
                }
                Matcher k = KICKS.matcher(line);
                if (k.find() && result != null) result[3] = Long.parseLong(k.group(1));
            }
        } finally {
            stop.set(true);
            if (sender != null) sender.join();
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            if (passt != null) passt.close();
        }
        if (result == null)
            throw new IllegalStateException((jvmm ? "jvmm" : "QEMU") + " run gave no udp-rx result:\n" + out);
        return result;
    }

    /** jvmm's own passt: a child of the VMM's process. */
    private static long passtChildOf(Process vmm) {
        return vmm.toHandle()
                .children()
                .filter(c -> comm(c.pid())
                        .startsWith("passt")) // not info().command(): passt drops privileges, which hides its exe
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no passt child of pid " + vmm.pid()))
                .pid();
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm"))
                    .strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static void flood(int port, int payload, AtomicBoolean stop) {
        if (PIN) CpuPinning.pinCurrentThread();
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.connect(new InetSocketAddress("127.0.0.1", port));
            ByteBuffer b = ByteBuffer.allocateDirect(payload);
            while (!stop.get()) {
                b.clear();
                try {
                    ch.write(b);
                } catch (PortUnreachableException e) {
                    // nobody listening for a moment (ICMP from an earlier datagram): go on
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress("127.0.0.1", 0));
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
        }
    }
}
