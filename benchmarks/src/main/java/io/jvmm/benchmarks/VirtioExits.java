package io.jvmm.benchmarks;

import io.jvmm.core.Vm;
import io.jvmm.core.VmConfig;
import io.jvmm.core.VmExit;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How many exits a virtio-blk request costs, with and without KVM_IOEVENTFD/KVM_IRQFD and
 * VIRTIO_RING_F_EVENT_IDX, in one warm JVM (embedded API): the probe's bench on a page-cached image,
 * MMIO exits to the VMM counted by the VM, kicks counted by the guest.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.jvmm.benchmarks.VirtioExits [runs]</pre>
 */
public final class VirtioExits {
    private VirtioExits() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path probe = Path.of(System.getProperty("jvmm.probes.dir", "probes/target"), "virtio-blk.elf");
        Path img = Files.createTempFile("jvmm-exits-", ".img");
        try {
            Files.write(img, new byte[64 << 20]);
            double hz = ProbeOutput.tscHz();
            System.out.println("| workload | ioeventfd | EVENT_IDX | MB/s | VMM exits / request | kicks / request |");
            System.out.println("|---|---|---|---|---|---|");
            for (String w : List.of(
                    "bs=64 depth=1 mib=512",
                    "bs=64 depth=32 mib=2048",
                    "bs=4 depth=1 mib=64",
                    "bs=4 depth=32 mib=128")) {
                int bs = Integer.parseInt(w.replaceAll(".*bs=(\\d+).*", "$1"));
                int mib = Integer.parseInt(w.replaceAll(".*mib=(\\d+).*", "$1"));
                long requests = (long) mib * 1024 / bs;
                for (boolean kvm : new boolean[] {true, false}) {
                    for (boolean eventIdx : new boolean[] {true, false}) {
                        String cmd = "op=bench rw=read " + w + (eventIdx ? " eventidx=1" : "");
                        run(probe, img, cmd, kvm); // warm-up: the JIT compiles the request path
                        double[] mbs = new double[runs], exits = new double[runs], kicks = new double[runs];
                        for (int i = 0; i < runs; i++) {
                            Result r = run(probe, img, cmd, kvm);
                            mbs[i] = r.bench.mbPerSecond(hz);
                            exits[i] = (double) r.mmioExits / requests;
                            kicks[i] = (double) r.bench.kicks() / requests;
                        }
                        System.out.printf(
                                Locale.ROOT,
                                "| read %d KiB, %s | %s | %s | %.0f | %.3f | %.3f |%n",
                                bs,
                                w.replaceAll(".*(depth=\\d+).*", "$1").replace('=', ' '),
                                kvm ? "yes" : "no",
                                eventIdx ? "yes" : "no",
                                median(mbs),
                                median(exits),
                                median(kicks));
                    }
                }
            }
        } finally {
            Files.deleteIfExists(img);
        }
    }

    private record Result(ProbeOutput.Bench bench, long mmioExits) {}

    private static Result run(Path probe, Path img, String cmd, boolean kvmNotify) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        VmConfig config = VmConfig.builder()
                .kernel(probe)
                .memoryMib(128)
                .cmdline(cmd)
                .drive(null, img, false)
                .kvmNotify(kvmNotify)
                .consoleOutput(console)
                .build();
        try (Vm vm = Vm.create(config)) {
            vm.start();
            VmExit exit =
                    vm.awaitExit(Duration.ofMinutes(5)).orElseThrow(() -> new IllegalStateException("probe hangs"));
            String out = console.toString(StandardCharsets.ISO_8859_1);
            if (exit.exitStatus() != 0) throw new IllegalStateException("probe failed: " + exit + "\n" + out);
            return new Result(ProbeOutput.bench(out), vm.mmioExitCount());
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
