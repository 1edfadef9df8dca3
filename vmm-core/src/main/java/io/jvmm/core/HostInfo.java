package io.jvmm.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host that validation needs. */
final class HostInfo {
    private HostInfo() {}

    /**
     * MemTotal from /proc/meminfo in MiB, or -1 when it cannot be read. Parsed from the bytes: a
     * reader with a charset decoder and a regex cost ~2 ms of a CLI boot's start (profiled).
     */
    static long totalMemoryMib() {
        try {
            return memTotalMib(Files.readAllBytes(Path.of("/proc/meminfo")));
        } catch (IOException e) {
            return -1; // no host limit known
        }
    }

    /** The "MemTotal:   N kB" line of a meminfo text, in MiB; -1 when absent or malformed. */
    static long memTotalMib(byte[] meminfo) {
        String text = "\n" + new String(meminfo, StandardCharsets.ISO_8859_1);
        String key = "\nMemTotal:";
        int at = text.indexOf(key);
        if (at < 0) return -1;
        int i = at + key.length();
        while (i < text.length() && text.charAt(i) == ' ') i++;
        long kib = 0;
        int digits = 0;
        for (; i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9' && digits < 18; i++, digits++) {
            kib = kib * 10 + (text.charAt(i) - '0');
        }
        return digits == 0 ? -1 : kib / 1024;
    }
}
