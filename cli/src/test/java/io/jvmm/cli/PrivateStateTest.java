package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.state.StateDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State stays its user's whatever umask the caller had: each command runs as its own process under
 * umask 022 or 002, as a user's shell would start it, and afterwards nothing in the state home or a
 * snapshot is group- or other-accessible (vm.json with an {@code -e} secret, the logs, a volume image,
 * snapshot memory, the control socket). Also: 3 MiB of workload output under {@code --log-opt} limits
 * leaves at most those on disk. One boot.
 */
@Tag("linux")
class PrivateStateTest {
    private static final Set<PosixFilePermission> SHARED = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    @TempDir
    static Path work;

    private static Path home;
    private static Path rootfs;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        rootfs = VmProcessHome.busyboxRoot();
        // World-readable on purpose: only what jvmm itself creates below it is checked.
        home = Files.createDirectory(work.resolve("home"));
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (home != null) jvmm("022", "rm", "-f", "priv");
    }

    /** {@code jvmm args} as a new process started under {@code umask}; returns its status, output in the message. */
    private static Result jvmm(String umask, String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(
                "/bin/sh",
                "-c",
                "umask " + umask + " && exec \"$@\"",
                "sh",
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "-Djvmm.home="
                        + Path.of(System.getProperty("jvmm.home", ".."))
                                .toAbsolutePath()
                                .normalize(),
                "-D" + StateDirs.HOME_PROPERTY + "=" + home,
                Jvmm.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), output);
    }

    private record Result(int status, String output) {}

    private static void ok(String umask, String... args) throws Exception {
        Result r = jvmm(umask, args);
        assertEquals(0, r.status(), String.join(" ", args) + ": " + r.output());
    }

    @Test
    void nothingIsGroupOrOtherAccessible() throws Exception {
        ok("022", "volume", "create", "--size", "16", "pv");
        ok(
                "002",
                "run",
                "-d",
                "--name",
                "priv",
                "-e",
                "SECRET=hunter2",
                "-v",
                "pv:/data",
                "--rootfs",
                rootfs.toString(),
                "--log-opt",
                "max-size=256k",
                "--log-opt",
                "max-file=2",
                "--",
                "sh",
                "-c",
                "echo output; dd if=/dev/zero bs=65536 count=48 2>/dev/null; echo done; sleep 1000");
        ok("002", "exec", "priv", "--", "sh", "-c", "echo data > /data/f");
        ok("002", "snapshot", "create", "priv", work.resolve("snap").toString());
        // 3 MiB of output leaves at most max-size x max-file on disk, and logs ends with the newest.
        Result logs = null;
        for (int i = 0; i < 120 && (logs == null || !logs.output().endsWith("done\n")); i++) {
            logs = jvmm("022", "logs", "priv");
            Thread.sleep(500);
        }
        assertTrue(
                logs.output().endsWith("done\n"),
                "logs: ..." + logs.output().substring(Math.max(0, logs.output().length() - 200)));
        long kept;
        try (Stream<Path> files = Files.list(home.resolve("lib/vms"))) {
            Path vmDir = files.findFirst().orElseThrow();
            try (Stream<Path> logFiles = Files.list(vmDir)) {
                kept = logFiles.filter(p -> p.getFileName().toString().startsWith("workload.log"))
                        .mapToLong(p -> p.toFile().length())
                        .sum();
            }
        }
        assertTrue(kept <= 512 << 10, kept + " bytes of workload log on disk");
        assertTrue(
                logs.output().length() > 256 << 10,
                "logs reads the rotated file too: " + logs.output().length());
        ok("022", "stop", "-t", "2", "priv");

        List<String> shared = new ArrayList<>();
        int checked = 0;
        for (Path top : List.of(home, work.resolve("snap"))) {
            try (Stream<Path> all = Files.walk(top)) {
                for (Path p : all.filter(p -> !p.equals(home)).toList()) {
                    if (Files.isSymbolicLink(p)) continue;
                    checked++;
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                    if (perms.stream().anyMatch(SHARED::contains))
                        shared.add(PosixFilePermissions.toString(perms) + " " + p);
                }
            }
        }
        assertEquals(List.of(), shared, "group- or other-accessible state");
        assertTrue(checked > 10, "walked " + checked + " paths");
        try (Stream<Path> all = Files.walk(home)) {
            assertTrue(all.anyMatch(p -> p.getFileName().toString().equals("vm.json")), "the walk saw the VM's record");
        }
    }
}
