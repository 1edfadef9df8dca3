package io.jvmm.cli;

import io.jvmm.core.CpuTemplate;
import io.jvmm.core.VmConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import io.jvmm.core.net.PortForward;
import io.jvmm.core.snapshot.SnapshotException;
import io.jvmm.core.snapshot.SnapshotFile;
import io.jvmm.virtio.net.MacAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code jvmm boot}: boots a hac.toml and/or a kernel, console on stdio, exits with the guest's status. */
@Command(name = "boot", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Boot a microVM. The guest's serial console is this terminal; jvmm exits when the guest",
                "powers off, resets or exits, with its status (see cli/README.md).",
                "Flags override the hac.toml file."})
final class BootCommand implements Callable<Integer> {
    @Option(names = "--hac", paramLabel = "FILE", description = "Hardware-as-Code file (hac.toml). Optional with --kernel.")
    String hac;
    @Option(names = "--kernel", paramLabel = "PATH", description = "ELF vmlinux or bzImage (default: the project kernel).")
    String kernel;
    @Option(names = "--initrd", paramLabel = "PATH", description = "initramfs to load.")
    String initrd;
    @Option(names = "--cmdline", paramLabel = "STR", description = "Appended to jvmm's kernel command line.")
    String cmdline;
    @Option(names = "--cpus", paramLabel = "N", description = "Number of vCPUs (default 1).")
    Integer cpus;
    @Option(names = "--memory", paramLabel = "MIB", description = "Guest RAM in MiB (default 256).")
    Long memoryMib;
    @Option(names = "--cpu-template", paramLabel = "auto|host|pvm", converter = TemplateConverter.class,
            description = "CPUID template (default auto).")
    CpuTemplate cpuTemplate;
    @Option(names = "--drive", paramLabel = "PATH[,ro][,id=ID]",
            description = {"Attach a raw disk image as virtio-blk (repeatable). The first drive is the root",
                    "(root=/dev/vda) when there is no initrd; ',ro' makes it read-only."})
    List<String> drives = new ArrayList<>();
    @Option(names = "--vsock-cid", paramLabel = "CID", description = "Add a virtio-vsock device with this guest CID (default 3).")
    Long vsockCid;
    @Option(names = "--vsock-uds", paramLabel = "PATH",
            description = {"Add a virtio-vsock device with a Firecracker-style hybrid socket: connect and write",
                    "'CONNECT <port>\\n' to reach the guest; guest connections to port P go to PATH_P."})
    String vsockUds;
    @Option(names = "--net", description = "Give the guest a network (virtio-net) through passt: DHCP, DNS, NAT, no root needed.")
    boolean net;
    @Option(names = {"-p", "--publish"}, paramLabel = "HOST:GUEST[/udp]",
            description = "Forward a host port to the guest (repeatable; implies --net).")
    List<String> publish = new ArrayList<>();
    @Option(names = "--tap", paramLabel = "NAME", description = "virtio-net on this TAP device instead of passt (created if missing; root).")
    String tap;
    @Option(names = "--mac", paramLabel = "MAC", description = "The guest's MAC address (default: random, locally administered).")
    String mac;
    @Option(names = "--restore", paramLabel = "DIR",
            description = "Restore the VM saved in DIR instead of booting (devices from --hac/flags, same kinds and order).")
    String restore;
    @Option(names = "--snapshot-on-signal", paramLabel = "DIR",
            description = "On SIGUSR1, pause the VM, write a snapshot to DIR and exit.")
    String snapshotOnSignal;
    @Option(names = "--snapshot-on", paramLabel = "DIR:STRING",
            description = "When STRING appears on the guest's console, write a snapshot to DIR and exit.")
    String snapshotOn;
    @Option(names = "--no-rng", description = "Do not give the guest a virtio-rng device.")
    boolean noRng;
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private final OutputStream console;
    private final InputStream input;
    private final PrintStream err;

    BootCommand(OutputStream console, InputStream input, PrintStream err) {
        this.console = console;
        this.input = input;
        this.err = err;
    }

    @Override
    public Integer call() {
        if (hac == null && kernel == null && restore == null) {
            throw CliException.usage("boot needs --hac FILE, --kernel PATH or --restore DIR (see 'jvmm boot --help')");
        }
        if (snapshotOnSignal != null && snapshotOn != null) {
            throw CliException.usage("--snapshot-on-signal and --snapshot-on: choose one");
        }
        Path cwd = Path.of("").toAbsolutePath();
        HacFile file = hac == null ? null : HacFile.parse(Path.of(nonEmpty("--hac", hac)));
        BootSettings.Overrides o = new BootSettings.Overrides(
                kernel == null ? null : UserPaths.resolve(cwd, nonEmpty("--kernel", kernel)),
                initrd == null ? null : UserPaths.resolve(cwd, nonEmpty("--initrd", initrd)),
                cmdline, cpus, memoryMib, cpuTemplate, parseDrives(cwd, drives), noRng ? Boolean.FALSE : null,
                vsockCid, vsockUds == null ? null : UserPaths.resolve(cwd, nonEmpty("--vsock-uds", vsockUds)), netFlags());
        Path restoreDir = restore == null ? null : UserPaths.resolve(cwd, nonEmpty("--restore", restore));
        long snapshotMib = 0;
        if (restoreDir != null) {
            try {
                snapshotMib = SnapshotFile.readState(restoreDir).memoryBytes() >> 20;
            } catch (SnapshotException e) {
                throw CliException.usage("--restore: " + e.getMessage());
            }
        }
        Path snapshotDir = snapshotTarget(cwd);
        MarkerTap tap = snapshotOn == null ? null : new MarkerTap(console, snapshotMarker());
        VmConfig config = new BootSettings(file, o)
                .toVmConfig(() -> DefaultKernel.fromSystem().resolve(), tap != null ? tap : console, input, snapshotMib);
        return VmSession.run(config, err, new VmSession.Snapshots(restoreDir, snapshotDir, snapshotOnSignal != null, tap));
    }

    private Path snapshotTarget(Path cwd) {
        if (snapshotOnSignal != null) return UserPaths.resolve(cwd, nonEmpty("--snapshot-on-signal", snapshotOnSignal));
        if (snapshotOn == null) return null;
        int colon = snapshotOn.indexOf(':');
        if (colon <= 0 || colon == snapshotOn.length() - 1) {
            throw CliException.usage("--snapshot-on: expected DIR:STRING, got \"" + snapshotOn + "\"");
        }
        return UserPaths.resolve(cwd, snapshotOn.substring(0, colon));
    }

    private String snapshotMarker() {
        return snapshotOn == null ? null : snapshotOn.substring(snapshotOn.indexOf(':') + 1);
    }

    private BootSettings.Net netFlags() {
        if (!net && publish.isEmpty() && tap == null && mac == null) return null;
        List<PortForward> ports = new ArrayList<>();
        for (String p : publish) {
            try {
                ports.add(PortForward.parse(p));
            } catch (IllegalArgumentException e) {
                throw CliException.usage("-p: " + e.getMessage());
            }
        }
        MacAddress m = null;
        if (mac != null) {
            try {
                m = MacAddress.parse(mac);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--mac: " + e.getMessage());
            }
        }
        if (tap != null && tap.isBlank()) throw CliException.usage("--tap: is empty");
        return new BootSettings.Net(net, ports, tap, m);
    }

    /** {@code PATH[,ro][,rw][,id=ID]}; the path may not contain a comma (rename the file or use hac.toml). */
    static List<HacFile.Drive> parseDrives(Path cwd, List<String> specs) {
        List<HacFile.Drive> out = new ArrayList<>();
        for (String spec : specs) {
            String[] parts = spec.split(",", -1);
            String path = parts[0];
            if (path.isBlank()) throw CliException.usage("--drive " + spec + ": no image path");
            boolean ro = false;
            String id = null;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i];
                if (p.equals("ro")) ro = true;
                else if (p.equals("rw")) ro = false;
                else if (p.startsWith("id=") && p.length() > 3) id = p.substring(3);
                else throw CliException.usage("--drive " + spec + ": unknown option '" + p + "' (expected ro, rw or id=NAME)");
            }
            out.add(new HacFile.Drive("--drive " + spec, UserPaths.resolve(cwd, nonEmpty("--drive", path)), ro, id));
        }
        return out;
    }

    private static String nonEmpty(String flag, String value) {
        if (value.isBlank()) throw CliException.usage(flag + ": is empty");
        return value.startsWith("~") ? UserPaths.resolve(Path.of(""), value).toString() : value;
    }

    /** "auto" | "host" | "pvm", case-insensitive, with the choices in the error. */
    static final class TemplateConverter implements ITypeConverter<CpuTemplate> {
        @Override
        public CpuTemplate convert(String value) {
            try {
                return CpuTemplate.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("expected auto, host or pvm, got \"" + value + "\"");
            }
        }
    }
}
