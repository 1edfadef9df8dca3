package io.jvmm.cli;

import io.jvmm.files.FileTrees;
import io.jvmm.runtime.Ports;
import io.jvmm.runtime.RunningVm;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.runtime.vmproc.ControlClient;
import io.jvmm.runtime.vmproc.ControlProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm snapshot create VM DIR} and {@code jvmm snapshot restore DIR}: a running VM saved to a
 * directory (it goes on running), and a new detached VM from it that continues where the snapshot
 * was taken, agent ready, without a boot.
 */
final class SnapshotCommand {
    private SnapshotCommand() {}

    static CommandLine commandLine(PrintStream out, InputStream in, PrintStream err) {
        return new CommandLine(new Group(out, in, err))
                .addSubcommand(new CommandLine(new Create(out, in, err)))
                .addSubcommand(new CommandLine(new Restore(out, in, err)));
    }

    @Command(
            name = "snapshot",
            description = "Save a running microVM to a directory, or start a new one from such a snapshot.")
    static final class Group extends CliCommand {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        Group(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    @Command(name = "create", description = "Snapshot a running VM into DIR (new or empty); the VM keeps running.")
    static final class Create extends CliCommand {
        @Parameters(index = "0", paramLabel = "VM", description = "VM name, id or unique id prefix.")
        private String vm;

        @Parameters(index = "1", paramLabel = "DIR", description = "Directory to write (created; must be empty).")
        private Path dir;

        Create(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws Exception {
            RunningVm running = Jvmm.engine().running(vm);
            VmRecord r = running.record();
            Path target = dir.toAbsolutePath().normalize();
            if (Files.exists(target) && !(Files.isDirectory(target) && isEmpty(target)))
                throw CliException.usage("snapshot directory " + target + " exists and is not empty");
            // The VM process may write only its own directories: it snapshots into one, then the files
            // move to the target (a rename on the same file system).
            Path staging = StateDirs.fromEnvironment()
                    .vmDataDir(r.id())
                    .resolve(".snapshot-" + Long.toHexString(System.nanoTime()));
            String bytes;
            try {
                try (ControlClient.Connection c = running.control().request(ControlProtocol.SNAPSHOT + " " + staging)) {
                    bytes = c.detail.trim();
                } catch (IOException e) {
                    throw CliException.runtime("snapshot of " + r.name() + ": " + e.getMessage());
                }
                // The record lets a restore rebuild the same devices: image, volumes, ports, sizes.
                Files.writeString(
                        staging.resolve(ControlProtocol.SNAPSHOT_RECORD),
                        StateJson.mapper().writeValueAsString(r));
                moveInto(staging, target);
            } finally {
                FileTrees.deleteQuietly(staging);
            }
            out.println(target + " (" + bytes + " bytes written)");
            return 0;
        }
    }

    @Command(name = "restore", description = "Start a new detached VM from a snapshot; prints its id.")
    static final class Restore extends CliCommand {
        @Option(names = "--name", paramLabel = "NAME", description = "Name of the new VM (default: random).")
        private String name;

        @Option(
                names = "--ready-timeout",
                paramLabel = "SECONDS",
                description = "How long the restored agent may take to be ready.")
        private Integer readyTimeout;

        @Option(
                names = {"-p", "--publish"},
                paramLabel = "HOST:GUEST[/udp]",
                description =
                        "Port forwards instead of the snapshot's (whose host ports the original VM may still hold).")
        private List<String> ports;

        @Parameters(index = "0", paramLabel = "DIR", description = "A directory written by 'jvmm snapshot create'.")
        private Path dir;

        Restore(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws Exception {
            Path source = dir.toAbsolutePath().normalize();
            Path recordFile = source.resolve(ControlProtocol.SNAPSHOT_RECORD);
            if (!Files.isRegularFile(recordFile))
                throw CliException.usage(
                        source + " is not a jvmm snapshot (no " + ControlProtocol.SNAPSHOT_RECORD + ")");
            VmRecord saved;
            try {
                saved = StateJson.mapper().readValue(recordFile.toFile(), VmRecord.class);
            } catch (IOException e) {
                throw CliException.usage(recordFile + ": unreadable VM record: " + e.getMessage());
            }
            StateDirs dirs = StateDirs.fromEnvironment();
            VmStore store = new VmStore(dirs);
            VmRecord draft = saved.withId(null)
                    .withName(name)
                    .withCreated(null)
                    .withDetached(true)
                    .withState(VmRecord.State.created());
            if (ports != null) {
                List<String> forwards = new ArrayList<>();
                for (String p : ports) forwards.add(Ports.forward(p));
                draft = draft.withPorts(forwards);
            }
            VmRecord r = store.create(draft);
            Path log = source.resolve(ControlProtocol.SNAPSHOT_LOG);
            if (Files.isRegularFile(log))
                Files.copy(log, dirs.workloadLog(r.id()), StandardCopyOption.REPLACE_EXISTING);
            Jvmm.engine().start(r, readyTimeout, source);
            out.println(r.id());
            return 0;
        }
    }

    /** Moves the files of {@code from} into the new or empty directory {@code to}: renamed when they can be, else copied. */
    private static void moveInto(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path dest = to.resolve(f.getFileName());
                try {
                    Files.move(f, dest, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.copy(f, dest);
                    Files.delete(f);
                }
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
