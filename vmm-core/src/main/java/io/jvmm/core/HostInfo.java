package io.jvmm.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host that validation needs. */
final class HostInfo {
    private HostInfo() {}

    /** MemTotal from /proc/meminfo in MiB, or -1 when it cannot be read. */
    static long totalMemoryMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: no host limit known
        }
        return -1;
    }
}
