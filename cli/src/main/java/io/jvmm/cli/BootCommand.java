package io.jvmm.cli;

import io.jvmm.core.CpuTemplate;
import io.jvmm.core.IrqChipMode;
import io.jvmm.core.VmConfig;
import io.jvmm.runtime.DefaultKernel;
import io.jvmm.runtime.Host;
import io.jvmm.runtime.PrivateFiles;
import io.jvmm.runtime.UserPaths;
import io.jvmm.runtime.boot.BootSandbox;
import io.jvmm.runtime.boot.BootSettings;
import io.jvmm.runtime.boot.HacFile;
import io.jvmm.runtime.boot.MarkerTap;
import io.jvmm.runtime.boot.VmSession;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code jvmm boot}: boots a hac.toml and/or a kernel, console on stdio, exits with the guest's status.
 *
 * <p>The command is described to picocli programmatically, not with annotations: reading annotations
 * makes picocli generate proxy classes at run time, which the AOT cache cannot keep, and that cost
 * ~30 ms of every boot (measured: 48 ms to build and parse the annotated command in a fresh JVM
 * with an AOT cache, 18 ms for this one). {@code boot} is the command whose start-up is the VMM floor.
 */
final class BootCommand implements Callable<Integer> {
    /** Samples per second of --profile-guest: enough for a boot's top functions, ~2 world switches each. */
    private static final int DEFAULT_PROFILE_HZ = 250;

    private final OutputStream console;
    private final InputStream input;
    private final PrintStream err;
    private final CommandSpec spec;

    private BootCommand(OutputStream console, InputStream input, PrintStream err) {
        this.console = console;
        this.input = input;
        this.err = err;
        this.spec = CommandSpec.wrapWithoutInspection(this).name("boot");
        spec.usageMessage()
                .sortOptions(false)
                .autoWidth(true)
                .description(
                        "Boot a microVM. The guest's serial console is this terminal; jvmm exits when the guest "
                                + "powers off, resets or exits, with its status (see cli/README.md). Flags override the hac.toml file.");
        option(String.class, "FILE", "Hardware-as-Code file (hac.toml). Optional with --kernel.", "--hac");
        option(String.class, "PATH", "ELF vmlinux or bzImage (default: the project kernel).", "--kernel");
        option(String.class, "PATH", "initramfs to load.", "--initrd");
        option(String.class, "STR", "Appended to jvmm's kernel command line.", "--cmdline");
        option(Integer.class, "N", "Number of vCPUs (default 1).", "--cpus");
        option(Long.class, "MIB", "Guest RAM in MiB (default 256).", "--memory");
        spec.addOption(OptionSpec.builder("--cpu-template")
                .paramLabel("auto|host|pvm")
                .type(CpuTemplate.class)
                .converters(new TemplateConverter())
                .description("CPUID template (default auto).")
                .build());
        spec.addOption(OptionSpec.builder("--irqchip")
                .paramLabel("auto|kernel|split")
                .type(IrqChipMode.class)
                .converters(value -> {
                    try {
                        return IrqChipMode.parse(value);
                    } catch (IllegalArgumentException e) {
                        throw new TypeConversionException(e.getMessage());
                    }
                })
                .description(
                        "Interrupt controllers: KVM's in-kernel ones, or split (jvmm's IOAPIC; default where KVM offers it).")
                .build());
        list(
                "PATH[,ro][,id=ID][,bw=SIZE][,ops=N]",
                "Attach a raw disk image as virtio-blk (repeatable). The first drive is the root "
                        + "(root=/dev/vda) when there is no initrd; ',ro' makes it read-only; bw and ops limit bytes and requests per second.",
                "--drive");
        list(
                "TAG=DIR[,ro][,cache=MODE]",
                "Share host directory DIR with the guest through virtio-fs (repeatable); the guest mounts "
                        + "it with 'mount -t virtiofs TAG PATH'. ',ro' makes it read-only; cache is auto (default), never or always.",
                "--share");
        option(Long.class, "CID", "Add a virtio-vsock device with this guest CID (default 3).", "--vsock-cid");
        option(
                String.class,
                "PATH",
                "Add a virtio-vsock device with a Firecracker-style hybrid socket: connect and write "
                        + "'CONNECT <port>\\n' to reach the guest; guest connections to port P go to PATH_P.",
                "--vsock-uds");
        flag("Give the guest a network (virtio-net) through passt: DHCP, DNS, NAT, no root needed.", "--net");
        list("HOST:GUEST[/udp]", "Forward a host port to the guest (repeatable; implies --net).", "-p", "--publish");
        option(
                String.class,
                "NAME",
                "virtio-net on this TAP device instead of passt (created if missing; root).",
                "--tap");
        option(String.class, "MAC", "The guest's MAC address (default: random, locally administered).", "--mac");
        option(
                String.class,
                "bw=SIZE,ops=N",
                "Limit what the guest receives, per second (e.g. bw=10m,ops=1000).",
                "--net-rx-limit");
        option(String.class, "bw=SIZE,ops=N", "Limit what the guest sends, per second.", "--net-tx-limit");
        option(
                String.class,
                "DIR",
                "Restore the VM saved in DIR instead of booting (devices from --hac/flags, same kinds and order).",
                "--restore");
        option(
                String.class,
                "DIR",
                "On SIGUSR1, pause the VM, write a snapshot to DIR and exit.",
                "--snapshot-on-signal");
        option(
                String.class,
                "DIR:STRING",
                "When STRING appears on the guest's console, write a snapshot to DIR and exit.",
                "--snapshot-on");
        option(
                String.class,
                "FILE",
                "Sample where the guest runs and write a profile of its kernel functions to FILE when the VM ends (docs/performance.md).",
                "--profile-guest");
        option(Integer.class, "HZ", "With --profile-guest: samples per second (default 250).", "--profile-hz");
        flag("Do not give the guest a virtio-rng device.", "--no-rng");
        flag("Confine the VMM (docs/sandbox.md): no_new_privs, Landlock to the VM's files, seccomp.", "--sandbox");
        option(
                Integer.class,
                "UID",
                "With --sandbox, root only: the uid the VMM drops to once the VM is built.",
                "--uid");
        option(Integer.class, "GID", "With --uid: the gid it drops to.", "--gid");
        spec.addOption(OptionSpec.builder(BootSandbox.CONFINED)
                .arity("0")
                .type(boolean.class)
                .initialValue(false)
                .hidden(true)
                .build());
        spec.addOption(OptionSpec.builder(BootSandbox.NETWORK_FD)
                .type(Integer.class)
                .hidden(true)
                .build());
        spec.addOption(OptionSpec.builder("-h", "--help")
                .usageHelp(true)
                .description("Show this help and exit.")
                .build());
    }

    /** The {@code boot} command, ready to execute or to add under {@code jvmm}. */
    static CommandLine commandLine(OutputStream console, InputStream input, PrintStream err) {
        return new CommandLine(new BootCommand(console, input, err).spec);
    }

    private void option(Class<?> type, String label, String description, String... names) {
        spec.addOption(OptionSpec.builder(names)
                .paramLabel(label)
                .type(type)
                .description(description)
                .build());
    }

    private void list(String label, String description, String... names) {
        spec.addOption(OptionSpec.builder(names)
                .paramLabel(label)
                .type(List.class)
                .auxiliaryTypes(String.class)
                .description(description)
                .build());
    }

    private void flag(String description, String... names) {
        spec.addOption(OptionSpec.builder(names)
                .arity("0")
                .type(boolean.class)
                .initialValue(false)
                .description(description)
                .build());
    }

    /** The option's parsed value, or null when it was not given. */
    private <T> T value(String name) {
        return spec.findOption(name).getValue();
    }

    private boolean isSet(String flagName) {
        return Boolean.TRUE.equals(value(flagName));
    }

    private List<String> values(String name) {
        List<String> v = value(name);
        return v == null ? List.of() : v;
    }

    @Override
    public Integer call() {
        String hac = value("--hac"),
                kernel = value("--kernel"),
                initrd = value("--initrd"),
                restore = value("--restore");
        String snapshotOnSignal = value("--snapshot-on-signal"), snapshotOn = value("--snapshot-on");
        String vsockUds = value("--vsock-uds");
        if (hac == null && kernel == null && restore == null) {
            throw CliException.usage("boot needs --hac FILE, --kernel PATH or --restore DIR (see 'jvmm boot --help')");
        }
        if (snapshotOnSignal != null && snapshotOn != null) {
            throw CliException.usage("--snapshot-on-signal and --snapshot-on: choose one");
        }
        boolean sandbox = isSet("--sandbox"), confined = isSet(BootSandbox.CONFINED);
        String profileGuest = value("--profile-guest");
        Integer profileHz = value("--profile-hz");
        if (profileHz != null && profileGuest == null) throw CliException.usage("--profile-hz needs --profile-guest");
        if (profileGuest != null && sandbox)
            throw CliException.usage("--profile-guest: not with --sandbox (the confined VMM cannot write the report)");
        Integer uid = value("--uid"), gid = value("--gid");
        if ((uid != null || gid != null) && !sandbox && !confined)
            throw CliException.usage("--uid and --gid need --sandbox");
        if ((uid == null) != (gid == null)) throw CliException.usage("--uid and --gid go together");
        if (uid != null && (uid < 0 || gid < 0)) throw CliException.usage("--uid and --gid must be >= 0");
        if (uid != null && !Host.isRoot()) throw CliException.usage("--uid: only root can switch the VMM's user");
        Path cwd = Path.of("").toAbsolutePath();
        VmSession.Profiling profiling = profileGuest == null
                ? null
                : new VmSession.Profiling(
                        UserPaths.resolve(cwd, UserPaths.nonEmpty("--profile-guest", profileGuest)),
                        profileHz == null ? DEFAULT_PROFILE_HZ : profileHz);
        HacFile file = hac == null ? null : HacFile.parse(Path.of(UserPaths.nonEmpty("--hac", hac)));
        BootSettings.Overrides o = new BootSettings.Overrides(
                kernel == null ? null : UserPaths.resolve(cwd, UserPaths.nonEmpty("--kernel", kernel)),
                initrd == null ? null : UserPaths.resolve(cwd, UserPaths.nonEmpty("--initrd", initrd)),
                value("--cmdline"),
                value("--cpus"),
                value("--memory"),
                value("--cpu-template"),
                BootSettings.parseDrives(cwd, values("--drive")),
                isSet("--no-rng") ? Boolean.FALSE : null,
                value("--vsock-cid"),
                vsockUds == null ? null : UserPaths.resolve(cwd, UserPaths.nonEmpty("--vsock-uds", vsockUds)),
                BootSettings.Net.fromFlags(
                        isSet("--net"),
                        values("--publish"),
                        value("--tap"),
                        value("--mac"),
                        value("--net-rx-limit"),
                        value("--net-tx-limit")),
                value("--irqchip"),
                BootSettings.parseShares(cwd, values("--share")));
        Path restoreDir = restore == null ? null : UserPaths.resolve(cwd, UserPaths.nonEmpty("--restore", restore));
        VmSession.Restore restoreFrom = restoreDir == null ? null : VmSession.Restore.read(restoreDir);
        long snapshotMib = restoreFrom == null ? 0 : restoreFrom.memoryMib();
        Path snapshotDir = snapshotTarget(cwd, snapshotOnSignal, snapshotOn);
        MarkerTap tap =
                snapshotOn == null ? null : new MarkerTap(console, snapshotOn.substring(snapshotOn.indexOf(':') + 1));
        // A vsock socket or a snapshot is state like the VM process's (PrivateFiles); a plain boot writes
        // nothing, and it does not wait here for the native link that runs beside parsing.
        if (vsockUds != null || snapshotDir != null) PrivateFiles.restrictUmask();
        VmConfig config = new BootSettings(file, o)
                .toVmConfig(
                        () -> DefaultKernel.fromSystem().resolve(), tap != null ? tap : console, input, snapshotMib);
        if (sandbox && !confined) {
            return BootSandbox.relaunch(
                    Jvmm.ENTRY,
                    BootSandbox.childArgs(spec.commandLine().getParseResult().originalArgs()),
                    config,
                    hac == null ? null : UserPaths.resolve(cwd, hac),
                    restoreDir,
                    snapshotDir,
                    snapshotOnSignal != null);
        }
        Integer networkFd = value(BootSandbox.NETWORK_FD);
        if (networkFd != null && config.net() != null)
            config = config.withNet(config.net().withPasstSocket(networkFd));
        return VmSession.run(
                config,
                err,
                new VmSession.Snapshots(restoreFrom, snapshotDir, snapshotOnSignal != null, tap),
                confined ? BootSandbox.confinement(uid, gid) : null,
                profiling);
    }

    private static Path snapshotTarget(Path cwd, String snapshotOnSignal, String snapshotOn) {
        if (snapshotOnSignal != null)
            return UserPaths.resolve(cwd, UserPaths.nonEmpty("--snapshot-on-signal", snapshotOnSignal));
        if (snapshotOn == null) return null;
        int colon = snapshotOn.indexOf(':');
        if (colon <= 0 || colon == snapshotOn.length() - 1) {
            throw CliException.usage("--snapshot-on: expected DIR:STRING, got \"" + snapshotOn + "\"");
        }
        return UserPaths.resolve(cwd, snapshotOn.substring(0, colon));
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
