package io.jvmm.cli;

import io.jvmm.agent.GuestProcess;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.pod.Container;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm top VM}: the processes in the guest (the agent reads /proc; its own processes and kernel
 * threads are left out), as a table like docker top's: UID, PID, PPID, STAT, RSS (KiB), TIME, CMD. Of a
 * pod's container: the processes in its PID namespace, with the guest's pids.
 */
@Command(name = "top", description = "Show the processes running in a microVM or a pod's container.")
final class TopCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "VM", description = "VM or container name, id or unique id prefix.")
    private String vm;

    TopCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws InterruptedException {
        Engine engine = Jvmm.engine();
        Optional<Container> container = ContainerTargets.find(engine, err, vm);
        List<GuestProcess> ps =
                new ArrayList<>(container.isPresent() ? container.get().top() : engine.top(vm));
        ps.sort(Comparator.comparingInt(GuestProcess::pid));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"UID", "PID", "PPID", "STAT", "RSS", "TIME", "CMD"});
        for (GuestProcess p : ps) {
            rows.add(new String[] {
                p.user(),
                Integer.toString(p.pid()),
                Integer.toString(p.ppid()),
                Character.toString(p.state()),
                Long.toString(p.rss() / 1024),
                time(p.cpuMs()),
                p.command()
            });
        }
        Table.print(out, rows);
        return 0;
    }

    /** CPU time as ps prints it: {@code HH:MM:SS}. */
    static String time(long ms) {
        long s = ms / 1000;
        return String.format("%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
