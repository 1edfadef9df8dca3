package io.jvmm.cli;

import io.jvmm.runtime.state.VmRecord;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm port VM [GUEST_PORT[/PROTO]]}: the VM's published ports in docker's format,
 * {@code 80/tcp -> 0.0.0.0:8080}; with a port, only the host addresses it is published on.
 */
@Command(name = "port", description = "List a microVM's published ports (or where one guest port is published).")
final class PortCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "VM", description = "VM name, id or unique id prefix.")
    private String vm;

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "GUEST_PORT[/PROTO]",
            description = "Only this port (tcp unless /udp).")
    private String port;

    PortCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    /** One forward as a record keeps it ({@code HOST:GUEST[/udp]}); passt listens on every address. */
    record Published(int hostPort, int guestPort, String proto) {
        static Published parse(String forward) {
            boolean udp = forward.endsWith("/udp");
            String hg = udp ? forward.substring(0, forward.length() - 4) : forward;
            int colon = hg.indexOf(':');
            return new Published(
                    Integer.parseInt(hg.substring(0, colon)),
                    Integer.parseInt(hg.substring(colon + 1)),
                    udp ? "udp" : "tcp");
        }

        static List<Published> of(VmRecord r) {
            List<Published> all = new ArrayList<>();
            for (String f : r.ports()) all.add(parse(f));
            return all;
        }

        String guest() {
            return guestPort + "/" + proto;
        }

        String host() {
            return "0.0.0.0:" + hostPort;
        }
    }

    @Override
    public Integer call() {
        VmRecord r = Jvmm.engine().vms().resolve(vm);
        String wanted = null;
        if (port != null) {
            wanted = port.contains("/") ? port : port + "/tcp";
            if (!wanted.matches("\\d{1,5}/(tcp|udp)"))
                throw CliException.usage("port " + port + ": expected GUEST_PORT[/tcp|/udp]");
        }
        boolean found = false;
        for (Published p : Published.of(r)) {
            if (wanted == null) out.println(p.guest() + " -> " + p.host());
            else if (p.guest().equals(wanted)) out.println(p.host());
            else continue;
            found = true;
        }
        if (wanted != null && !found)
            throw CliException.runtime("no public port '" + wanted + "' published for " + r.name());
        return 0;
    }
}
