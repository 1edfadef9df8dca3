package io.jvmm.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the numbers out of the virtio probes' bench lines, and the host's TSC rate to turn cycles into time. */
final class ProbeOutput {
    private ProbeOutput() {}

    /** One {@code virtio-blk: bench ...} (or vsock) line: bytes moved and TSC cycles taken; kicks from the last line. */
    record Bench(long bytes, long cycles, long kicks) {
        double mbPerSecond(double tscHz) {
            return bytes / (cycles / tscHz) / 1e6;
        }

        double iops(long requestBytes, double tscHz) {
            return (double) bytes / requestBytes / (cycles / tscHz);
        }
    }

    private static final Pattern BENCH = Pattern.compile("bench .*?bytes (\\d+) cycles (\\d+)");
    private static final Pattern SENT = Pattern.compile("bench sent (\\d+) bytes cycles (\\d+)");
    private static final Pattern KICKS = Pattern.compile(": kicks (\\d+)");

    static Bench bench(String output) {
        Matcher m = BENCH.matcher(output);
        if (!m.find()) {
            m = SENT.matcher(output);
            if (!m.find()) throw new IllegalStateException("no bench line in:\n" + output);
        }
        Matcher k = KICKS.matcher(output);
        long kicks = k.find() ? Long.parseLong(k.group(1)) : -1;
        return new Bench(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), kicks);
    }

    /** The host's TSC rate: what the kernel measured at boot ("tsc: Detected ... MHz"), else cpu MHz. */
    static double tscHz() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("cpu MHz"))
                    return Double.parseDouble(
                                    line.substring(line.indexOf(':') + 1).trim())
                            * 1e6;
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        throw new IllegalStateException("cannot read the TSC rate from /proc/cpuinfo");
    }
}
