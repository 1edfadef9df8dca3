package io.jvmm.benchmarks;

import io.jvmm.core.Vm;
import io.jvmm.core.VmConfig;
import io.jvmm.core.VmExit;
import io.jvmm.virtio.vsock.VsockListener;
import io.jvmm.virtio.vsock.VsockStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * virtio-vsock throughput and round-trip time against the probe's CPL3 driver, host side through
 * the in-process API ({@code Vm.vsock()}) in one warm JVM. No QEMU peer: /dev/vhost-vsock is absent
 * on our machines, so the figures are absolute.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.jvmm.benchmarks.VsockBench [runs]</pre>
 */
public final class VsockBench {
    private VsockBench() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path probe = Path.of(System.getProperty("jvmm.probes.dir", "probes/target"), "virtio-vsock.elf");
        double hz = ProbeOutput.tscHz();
        double[] mbs = new double[runs], sink = new double[runs], rtt1 = new double[runs], rtt4k = new double[runs];
        run(probe, "op=bench port=7000 mib=256", false); // warm-up
        run(probe, "op=rtt port=7000 count=20000", true);
        sinkRun(probe, 256, hz);
        for (int i = 0; i < runs; i++) {
            mbs[i] = ProbeOutput.bench(run(probe, "op=bench port=7000 mib=256", false))
                    .mbPerSecond(hz);
            sink[i] = sinkRun(probe, 256, hz);
            rtt1[i] = perTrip(run(probe, "op=rtt port=7000 count=20000", true)) / hz * 1e6;
            rtt4k[i] = perTrip(run(probe, "op=rtt port=7000 count=5000 size=4096", true)) / hz * 1e6;
        }
        System.out.printf(
                Locale.ROOT, "| vsock guest->host stream, 256 MiB, in-process reader | %.0f MB/s |%n", median(mbs));
        System.out.printf(
                Locale.ROOT, "| vsock host->guest stream, 256 MiB, in-process writer | %.0f MB/s |%n", median(sink));
        System.out.printf(Locale.ROOT, "| vsock round trip, 1 byte, in-process echo | %.1f µs |%n", median(rtt1));
        System.out.printf(Locale.ROOT, "| vsock round trip, 4 KiB, in-process echo | %.1f µs |%n", median(rtt4k));
    }

    /**
     * The probe's sink: it connects to host port 7000, which writes {@code mib} MiB and closes; returns
     * MB/s from the guest's first to its last received byte, on its TSC ({@code hz}).
     */
    private static double sinkRun(Path probe, int mib, double hz) throws Exception {
        String out = run(probe, "op=sink port=7000 mib=" + mib, false, mib);
        Matcher m = Pattern.compile("sink received (\\d+) bytes cycles (\\d+)").matcher(out);
        if (!m.find()) throw new IllegalStateException("no sink result:\n" + out);
        return Double.parseDouble(m.group(1)) / (Double.parseDouble(m.group(2)) / hz) / 1e6;
    }

    private static double perTrip(String out) {
        String m = out.replaceAll("(?s).*per-trip (\\d+).*", "$1");
        return Double.parseDouble(m);
    }

    private static String run(Path probe, String cmd, boolean echo) throws Exception {
        return run(probe, cmd, echo, 0);
    }

    /**
     * Boots the probe with a listener on host port 7000 that first writes {@code writeMib} MiB, then
     * reads (and echoes, if asked) everything.
     */
    private static String run(Path probe, String cmd, boolean echo, int writeMib) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        VmConfig config = VmConfig.builder()
                .kernel(probe)
                .memoryMib(64)
                .cmdline(cmd)
                .vsock(3, null)
                .consoleOutput(console)
                .build();
        try (Vm vm = Vm.create(config);
                VsockListener l = vm.vsock().listen(7000)) {
            vm.start();
            VsockStream s =
                    l.accept(Duration.ofSeconds(30)).orElseThrow(() -> new IllegalStateException("no connection"));
            InputStream in = s.input();
            OutputStream out = s.output();
            byte[] buf = new byte[256 * 1024];
            for (int i = 0; i < writeMib * 4; i++) out.write(buf);
            int n;
            while ((n = in.read(buf)) > 0) if (echo) out.write(buf, 0, n);
            s.close();
            VmExit exit =
                    vm.awaitExit(Duration.ofMinutes(2)).orElseThrow(() -> new IllegalStateException("probe hangs"));
            String text = console.toString(StandardCharsets.ISO_8859_1);
            if (exit.exitStatus() != 0) throw new IllegalStateException("probe failed: " + exit + "\n" + text);
            return text;
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
