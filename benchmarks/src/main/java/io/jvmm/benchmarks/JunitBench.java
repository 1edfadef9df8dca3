package io.jvmm.benchmarks;

import io.jvmm.junit.JvmmSandbox;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The JUnit extension's cost per test, host side: with restore per test, a test's copy (restored to
 * agent ready before the test, closed after it), against a fresh boot per test. The extension's
 * callbacks are called as JUnit calls them for a static {@code @RegisterExtension} field.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.jvmm.benchmarks.JunitBench ROOTFS [copies] [boots]</pre>
 * (the kernel: {@code JVMM_KERNEL_DIR}, as for every library user)
 */
public final class JunitBench {
    private JunitBench() {}

    public static void main(String[] args) throws Exception {
        Path rootfs = Path.of(args[0]);
        int copies = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int boots = args.length > 2 ? Integer.parseInt(args[2]) : 2;

        JvmmSandbox template = JvmmSandbox.fromRootfs(rootfs).withRestorePerTest();
        long t0 = System.nanoTime();
        template.beforeAll(null);
        System.out.printf(Locale.ROOT, "template: boot, ready, snapshot: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
        double[] ready = new double[copies], teardown = new double[copies], total = new double[copies];
        try {
            for (int i = -1; i < copies; i++) { // one warm-up
                long a = System.nanoTime();
                template.beforeEach(null);
                long b = System.nanoTime();
                if (template.execInContainer("true").exitCode() != 0) throw new IllegalStateException("true failed");
                long c = System.nanoTime();
                template.afterEach(null);
                long d = System.nanoTime();
                if (i < 0) continue;
                ready[i] = (b - a) / 1e6;
                teardown[i] = (d - c) / 1e6;
                total[i] = ready[i] + teardown[i];
            }
        } finally {
            template.afterAll(null);
        }
        System.out.printf(Locale.ROOT, "restore per test, copy to agent ready: %s%n", AgentBench.stats(ready));
        System.out.printf(Locale.ROOT, "restore per test, copy closed: %s%n", AgentBench.stats(teardown));
        System.out.printf(Locale.ROOT, "restore per test, per test in all: %s%n", AgentBench.stats(total));

        double[] fresh = new double[boots];
        for (int i = 0; i < boots; i++) {
            long a = System.nanoTime();
            try (JvmmSandbox s = JvmmSandbox.fromRootfs(rootfs).start()) {
                fresh[i] = (System.nanoTime() - a) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "a fresh boot per test, to agent ready: %s%n", AgentBench.stats(fresh));
    }
}
