package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.VmStats;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.VmRecord;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm stats [--no-stream] [VM|CONTAINER...]}: CPU and memory of running VMs and of the running
 * containers of pods, docker stats' columns. A VM's CPU % is its VM process's over a second, MEM USAGE
 * its resident memory (JVM plus the guest RAM touched), LIMIT the guest RAM given. A container's are its
 * cgroup's in the guest: CPU time over the same second, {@code memory.current}, and its memory limit (or
 * its pod's memory without one). Without {@code --no-stream} the table is redrawn every second until
 * interrupted.
 */
@Command(name = "stats", sortOptions = false, description = "Show CPU and memory use of running microVMs.")
final class StatsCommand extends CliCommand {
    @Option(names = "--no-stream", description = "Print one table and exit.")
    private boolean noStream;

    @Option(names = "--no-trunc", description = "Do not truncate ids.")
    private boolean noTrunc;

    @Parameters(
            arity = "0..*",
            paramLabel = "VM|CONTAINER",
            description = "VM or pod container names, ids or unique id prefixes (default: all running).")
    private List<String> vms = new ArrayList<>();

    StatsCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws InterruptedException {
        Engine engine = Jvmm.engine();
        List<VmRecord> chosen = new ArrayList<>();
        List<Container> chosenContainers = new ArrayList<>();
        for (String ref : vms) {
            Optional<Container> c = ContainerTargets.find(engine, err, ref);
            if (c.isPresent()) chosenContainers.add(c.get());
            else chosen.add(engine.vms().resolve(ref));
        }
        do {
            List<VmRecord> now = vms.isEmpty() ? engine.vms().list() : chosen;
            List<Container> containers = vms.isEmpty() ? runningContainers(engine) : chosenContainers;
            List<Sample> before = sample(containers);
            List<VmStats> stats = engine.stats(now, INTERVAL); // sleeps the interval, VMs or not
            List<Sample> after = sample(containers);
            if (!noStream) out.print("\033[2J\033[H"); // docker's redraw: clear, home
            table(stats, before, after);
        } while (!noStream);
        return 0;
    }

    private static final Duration INTERVAL = Duration.ofSeconds(1);

    /** A container's cgroup figures at one moment; empty figures when it was not running. */
    private record Sample(Container container, Map<String, Long> figures, long nanos) {}

    private List<Container> runningContainers(Engine engine) throws InterruptedException {
        List<Container> running = new ArrayList<>();
        for (Pod p : engine.pods(err).list()) {
            if (!p.running()) continue;
            for (Container c : p.containers())
                if (c.record().state().status() == ContainerRecord.Status.RUNNING) running.add(c);
        }
        return running;
    }

    private List<Sample> sample(List<Container> containers) throws InterruptedException {
        List<Sample> samples = new ArrayList<>();
        for (Container c : containers) {
            Map<String, Long> figures;
            try {
                figures = c.pod().running() ? c.stats() : Map.of();
            } catch (EngineException e) {
                figures = Map.of(); // it ended meanwhile
            }
            samples.add(new Sample(c, figures, System.nanoTime()));
        }
        return samples;
    }

    private void table(List<VmStats> stats, List<Sample> before, List<Sample> after) {
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
        for (int i = 0; i < after.size(); i++) {
            Sample a = after.get(i), b = before.get(i);
            if (a.figures().isEmpty()) continue;
            ContainerRecord r = a.container().record();
            long used = a.figures().getOrDefault("memory.current", 0L);
            long limit = a.figures()
                    .getOrDefault("memory.max", a.container().pod().record().memoryMib() << 20);
            long cpuUsec =
                    a.figures().getOrDefault("cpu.usage_usec", 0L) - b.figures().getOrDefault("cpu.usage_usec", 0L);
            double wallUsec = Math.max(1, (a.nanos() - b.nanos()) / 1000.0);
            rows.add(new String[] {
                noTrunc ? r.id() : r.shortId(),
                r.name(),
                String.format(Locale.ROOT, "%.2f%%", b.figures().isEmpty() ? 0.0 : 100.0 * cpuUsec / wallUsec),
                bytes(used) + " / " + bytes(limit),
                String.format(Locale.ROOT, "%.2f%%", 100.0 * used / limit)
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
