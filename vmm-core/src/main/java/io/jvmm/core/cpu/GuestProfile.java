package io.jvmm.core.cpu;

import io.jvmm.loader.KernelSymbols;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link GuestSampler} recorded: samples in the guest kernel by instruction address, and how
 * many were in user mode (the guest's processes, not split further).
 *
 * @param kernel samples taken at CPL 0-2, by guest instruction pointer
 * @param user samples taken at CPL 3
 * @param hz the sampling rate asked for
 * @param nanos how long sampling ran
 */
public record GuestProfile(Map<Long, Long> kernel, long user, int hz, long nanos) {
    /**
     * Linux x86-64 maps its image at this address; code that runs before paging (the PVH entry)
     * runs at the physical address, which is the symbol's address minus this base.
     */
    private static final long START_KERNEL_MAP = 0xffffffff80000000L;

    public long samples() {
        return user + kernel.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Kernel samples by function name; addresses no symbol covers are named in hex. */
    public Map<String, Long> byFunction(Optional<KernelSymbols> symbols) {
        Map<String, Long> out = new HashMap<>();
        kernel.forEach((rip, n) -> out.merge(name(rip, symbols), n, Long::sum));
        return out;
    }

    /**
     * A text report: totals, then the {@code top} kernel functions by samples, with their share of
     * all samples. Without symbols (a bzImage or a stripped vmlinux) addresses are grouped by 4 KiB page.
     */
    public String report(Optional<KernelSymbols> symbols, int top) {
        long total = samples();
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                "guest profile: %d samples at %d Hz over %.1f s; kernel %s, user %s%n",
                total, hz, nanos / 1e9, share(total - user, total), share(user, total)));
        if (symbols.isEmpty()) b.append("no kernel symbols (boot an ELF vmlinux with .symtab to name functions)\n");
        List<Map.Entry<String, Long>> rows = new ArrayList<>(byFunction(symbols).entrySet());
        rows.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        b.append(String.format("%9s %6s  %s%n", "samples", "%", "kernel function"));
        for (Map.Entry<String, Long> row : rows.subList(0, Math.min(top, rows.size()))) {
            b.append(String.format("%9d %6.2f  %s%n", row.getValue(), 100.0 * row.getValue() / total, row.getKey()));
        }
        return b.toString();
    }

    private static String name(long rip, Optional<KernelSymbols> symbols) {
        if (symbols.isPresent()) {
            Optional<String> f = symbols.get().functionAt(rip);
            if (f.isPresent()) return f.get();
            if (rip >= 0 && rip < (1L << 32)) {
                Optional<String> early = symbols.get().functionAt(rip + START_KERNEL_MAP);
                if (early.isPresent()) return early.get() + " (physical)";
            }
        }
        return String.format("0x%x", rip & ~0xfffL);
    }

    private static String share(long n, long total) {
        return String.format("%d (%.1f%%)", n, total == 0 ? 0.0 : 100.0 * n / total);
    }
}
