package io.jvmm.benchmarks;

import io.jvmm.agent.ExecResult;
import io.jvmm.sandbox.Sandbox;
import io.jvmm.sandbox.SandboxConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The guest agent in a running Linux guest (project kernel, busybox root image): boot to agent
 * ready, the round trip of {@code exec true} (connect, EXEC, STARTED, EXIT) median of {@code runs},
 * and snapshot restore to agent ready (the guest's vsock reset, the agent's reconnect and HELLO).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.jvmm.benchmarks.AgentBench KERNEL ROOTFS [execs] [restores]</pre>
 */
public final class AgentBench {
    private AgentBench() {}

    public static void main(String[] args) throws Exception {
        Path kernel = Path.of(args[0]);
        Path rootfs = Path.of(args[1]);
        int execs = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int restores = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        SandboxConfig config = SandboxConfig.builder()
                .name("bench")
                .kernel(kernel)
                .rootfs(rootfs)
                .memoryMib(256)
                .build();
        Path work = Files.createTempDirectory("jvmm-agentbench-");
        Path snap = work.resolve("snap");
        try {
            long t0 = System.nanoTime();
            try (Sandbox s = Sandbox.start(config)) {
                System.out.printf(Locale.ROOT, "boot to agent ready: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
                System.out.printf(
                        Locale.ROOT,
                        "ping (connect, PING, OK: one handler fork in the guest): %s%n",
                        ping(s, Math.max(10, execs / 4)));
                System.out.printf(Locale.ROOT, "exec true (in-process client, vsock): %s%n", execTrue(s, execs));
                // Let the guest settle (the agent re-fills its handler pool after each request) so
                // the snapshot is of an idle, ready guest, as a snapshot of a ready VM would be.
                Thread.sleep(2000);
                s.snapshot(snap);
            }
            double[] ms = new double[restores];
            for (int i = -1; i < restores; i++) { // one warm-up
                long r0 = System.nanoTime();
                try (Sandbox s = Sandbox.restore(snap, config)) {
                    if (i >= 0) ms[i] = (System.nanoTime() - r0) / 1e6;
                    ExecResult r = s.exec("true");
                    if (r.exitCode() != 0) throw new IllegalStateException("true failed after restore: " + r);
                }
            }
            System.out.printf(Locale.ROOT, "restore to agent ready: %s%n", stats(ms));
            System.out.printf(Locale.ROOT, "after restore, exec true: see the line above for a ready agent%n");
        } finally {
            try (Stream<Path> w = Files.walk(work)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String execTrue(Sandbox s, int runs) throws Exception {
        for (int i = 0; i < 10; i++) s.exec("true"); // warm-up: JIT, guest page cache
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            ExecResult r = s.exec("true");
            ms[i] = (System.nanoTime() - t0) / 1e6;
            if (r.exitCode() != 0) throw new IllegalStateException("true failed: " + r);
        }
        return stats(ms);
    }

    private static String ping(Sandbox s, int runs) throws Exception {
        for (int i = 0; i < 5; i++) s.agent().ping();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            s.agent().ping();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return stats(ms);
    }

    static String stats(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return String.format(
                Locale.ROOT,
                "median %.2f ms, p10 %.2f, p90 %.2f, n=%d",
                s[s.length / 2],
                s[s.length / 10],
                s[Math.min(s.length - 1, s.length * 9 / 10)],
                s.length);
    }
}
