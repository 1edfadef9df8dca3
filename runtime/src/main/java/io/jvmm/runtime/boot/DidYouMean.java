package io.jvmm.runtime.boot;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/** Suggests the known name closest to a misspelt one, for "unknown key" errors. */
final class DidYouMean {
    private DidYouMean() {}

    /** Names people reach for from other VMMs' configs that no edit distance would connect to ours. */
    private static final Map<String, String> SYNONYMS = Map.ofEntries(
            Map.entry("cpus", "cores"),
            Map.entry("vcpus", "cores"),
            Map.entry("vcpu_count", "cores"),
            Map.entry("mem", "memory"),
            Map.entry("ram", "memory"),
            Map.entry("mem_size_mib", "memory"),
            Map.entry("memory_mib", "memory"),
            Map.entry("initramfs", "initrd"),
            Map.entry("kernel_image_path", "kernel"),
            Map.entry("append", "cmdline"),
            Map.entry("boot_args", "cmdline"),
            Map.entry("kernel_args", "cmdline"),
            Map.entry("cpu-template", "cpu_template"),
            Map.entry("cputemplate", "cpu_template"));

    /** The best candidate for {@code wrong}, or null when nothing is close enough to be a likely typo. */
    static String suggest(String wrong, Collection<String> candidates) {
        String lower = wrong.toLowerCase(Locale.ROOT);
        String synonym = SYNONYMS.get(lower);
        if (synonym != null && candidates.contains(synonym)) return synonym;
        // Allow about one typo per three characters, so "memroy" finds memory but "name" does not find "ref".
        int limit = Math.max(1, Math.min(3, lower.length() / 3));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(lower, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return bestDistance <= limit ? best : null;
    }

    /** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("memroy" is 1 from "memory"). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
