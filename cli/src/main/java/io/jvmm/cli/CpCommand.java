package io.jvmm.cli;

import io.jvmm.agent.AgentClient;
import io.jvmm.agent.AgentException;
import io.jvmm.files.AtomicFiles;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.RunningVm;
import io.jvmm.runtime.pod.Container;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm cp}: a regular file between the host and a running VM or a container of a pod, through the
 * agent's COPY_IN and COPY_OUT, as {@code docker cp} does for files ({@code VM:/path} names the guest
 * side; {@code -} is stdin or stdout).
 */
@Command(
        name = "cp",
        description =
                "Copy a file between the host and a running microVM: cp HOST_PATH VM:/path, cp VM:/path HOST_PATH ('-' = stdin/stdout).")
final class CpCommand extends CliCommand {
    // A file copied out is 0600 whatever the umask: guest files may be private, the host user decides.
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    @Parameters(index = "0", paramLabel = "SRC")
    private String src;

    @Parameters(index = "1", paramLabel = "DST")
    private String dst;

    CpCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    /** {@code VM:/path} split, or null for a host path. */
    private record GuestPath(String vm, String path) {
        static GuestPath parse(String s) {
            int colon = s.indexOf(':');
            if (colon <= 0 || s.startsWith("/") || s.startsWith(".")) return null;
            String path = s.substring(colon + 1);
            if (!path.startsWith("/")) throw CliException.usage("cp " + s + ": the guest path must be absolute");
            return new GuestPath(s.substring(0, colon), path);
        }
    }

    /** The guest side of a copy: a running VM's agent, or a container of a pod. */
    private interface Guest {
        long copyIn(InputStream data, String path, int mode) throws IOException, InterruptedException;

        long copyOut(String path, OutputStream out) throws IOException, InterruptedException;
    }

    @Override
    public Integer call() throws Exception {
        GuestPath from = GuestPath.parse(src);
        GuestPath to = GuestPath.parse(dst);
        if ((from == null) == (to == null)) throw CliException.usage("cp needs exactly one side in the VM (VM:/path)");
        String ref = from != null ? from.vm() : to.vm();
        Engine engine = Jvmm.engine();
        Optional<Container> container = ContainerTargets.find(engine, err, ref);
        Guest guest;
        String name;
        if (container.isPresent()) {
            Container c = container.get();
            guest = new Guest() {
                public long copyIn(InputStream data, String path, int mode) throws InterruptedException {
                    return c.copyIn(data, path, mode);
                }

                public long copyOut(String path, OutputStream out) throws InterruptedException {
                    return c.copyOut(path, out);
                }
            };
            name = c.name();
        } else {
            RunningVm target = engine.running(ref);
            AgentClient agent = target.agent();
            guest = new Guest() {
                public long copyIn(InputStream data, String path, int mode) throws IOException, InterruptedException {
                    return agent.copyIn(data, path, mode);
                }

                public long copyOut(String path, OutputStream out) throws IOException, InterruptedException {
                    return agent.copyOut(path, out);
                }
            };
            name = target.record().name();
        }
        try {
            if (to != null) copyIn(guest, to.path());
            else copyOut(guest, from.path());
        } catch (AgentException e) {
            throw CliException.runtime("cp " + (to != null ? dst : src) + ": " + e.getMessage());
        } catch (IOException e) {
            throw CliException.runtime("cp in " + name + ": " + e.getMessage());
        }
        return 0;
    }

    private void copyIn(Guest guest, String guestPath) throws IOException, InterruptedException {
        if (src.equals("-")) {
            guest.copyIn(in, guestPath, 0644);
            return;
        }
        Path file = Path.of(src);
        if (!Files.isRegularFile(file))
            throw CliException.usage("cp " + src + ": not a regular file (only files are copied)");
        try (InputStream data = Files.newInputStream(file)) {
            guest.copyIn(data, guestPath, mode(file));
        }
    }

    private void copyOut(Guest guest, String guestPath) throws IOException, InterruptedException {
        if (dst.equals("-")) {
            guest.copyOut(guestPath, out);
            out.flush();
            return;
        }
        Path file = Path.of(dst);
        if (Files.isDirectory(file))
            file = file.resolve(Path.of(guestPath).getFileName().toString());
        // Written beside the target and renamed when complete: a failed copy leaves nothing half-written.
        AtomicFiles.replace(
                file.toAbsolutePath(), OWNER_ONLY, ch -> guest.copyOut(guestPath, Channels.newOutputStream(ch)));
    }

    private static int mode(Path file) throws IOException {
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
        int m = 0;
        for (PosixFilePermission x : p) m |= 1 << (8 - x.ordinal());
        return m;
    }
}
