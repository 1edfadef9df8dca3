package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.VmStats;
import io.jvmm.runtime.state.VmRecord;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm stats [--no-stream] [VM...]}: CPU and memory of running VMs, docker stats' columns: CPU % of
 * the VM process over a second, MEM USAGE its resident memory (JVM plus the guest RAM touched), LIMIT the
 * guest RAM given, MEM % the one of the other. Without {@code --no-stream} the table is redrawn every
 * second until interrupted.
 */
@Command(name = "stats", sortOptions = false, description = "Show CPU and memory use of running microVMs.")
final class StatsCommand extends CliCommand {
    @Option(names = "--no-stream", description = "Print one table and exit.")
    private boolean noStream;

    @Option(names = "--no-trunc", description = "Do not truncate ids.")
    private boolean noTrunc;

    @Parameters(
            arity = "0..*",
            paramLabel = "VM",
            description = "VM names, ids or unique id prefixes (default: all running).")
    private List<String> vms = new ArrayList<>();

    StatsCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws InterruptedException {
        Engine engine = Jvmm.engine();
        List<VmRecord> chosen = new ArrayList<>();
        for (String ref : vms) chosen.add(engine.vms().resolve(ref));
        do {
            List<VmRecord> now = vms.isEmpty() ? engine.vms().list() : chosen;
            List<VmStats> stats = engine.stats(now, Duration.ofSeconds(1));
            if (!noStream) out.print("\033[2J\033[H"); // docker's redraw: clear, home
            table(stats);
        } while (!noStream);
        return 0;
    }

    private void table(List<VmStats> stats) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"VM ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %"});
        for (VmStats s : stats) {
            rows.add(new String[] {
                noTrunc ? s.vm().id() : s.vm().shortId(),
                s.vm().name(),
                String.format(Locale.ROOT, "%.2f%%", s.cpuPercent()),
                bytes(s.memoryBytes()) + " / " + bytes(s.guestRamBytes()),
                String.format(Locale.ROOT, "%.2f%%", 100.0 * s.memoryBytes() / s.guestRamBytes())
            });
        }
        Table.print(out, rows);
    }

    /** docker's binary units: {@code 12.5MiB}, {@code 1GiB}. */
    static String bytes(long b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String n = String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
        if (n.contains(".")) n = n.replaceAll("0+$", "").replaceAll("\\.$", "");
        return n + units[u];
    }
}
