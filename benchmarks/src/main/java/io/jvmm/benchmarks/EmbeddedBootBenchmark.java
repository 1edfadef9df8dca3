package io.jvmm.benchmarks;

import io.jvmm.core.Vm;
import io.jvmm.core.VmConfig;
import io.jvmm.core.VmExit;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The embedded VMM floor: create, start and run the {@code hello} probe to its exit, then close, in a
 * JVM that is already running. Sample mode, so JMH reports the median (p0.50) of every boot.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class EmbeddedBootBenchmark {
    private VmConfig hello;

    @Setup
    public void setup() {
        hello = VmConfig.builder()
                .kernel(Probes.path("hello"))
                .memoryMib(128)
                .consoleOutput(null)
                .build();
    }

    @Benchmark
    public VmExit bootHelloProbe() throws InterruptedException {
        try (Vm vm = Vm.create(hello)) {
            vm.start();
            VmExit exit = vm.awaitExit();
            if (!(exit instanceof VmExit.DebugExit d) || d.code() != 0)
                throw new IllegalStateException("probe failed: " + exit);
            return exit;
        }
    }

    /** Where the probes module put its guests: -Djvmm.probes.dir, else probes/target under the working directory. */
    static final class Probes {
        static Path path(String name) {
            return Path.of(System.getProperty("jvmm.probes.dir", "probes/target"))
                    .resolve(name + ".elf")
                    .toAbsolutePath();
        }
    }
}
