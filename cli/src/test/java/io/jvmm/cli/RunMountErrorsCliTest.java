package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvmm run}'s bind mounts and directory roots refuse bad input in one line with exit status 125,
 * before any guest runs (and before a kernel is looked for): nothing is recorded.
 */
class RunMountErrorsCliTest {
    @TempDir
    Path home;

    @TempDir
    Path tmp;

    private final CliRun cli = new CliRun();
    private Path dir, file, rootDir;

    @BeforeEach
    void setUp() throws Exception {
        System.setProperty(StateDirs.HOME_PROPERTY, home.toString());
        dir = Files.createDirectories(tmp.resolve("src"));
        file = Files.writeString(tmp.resolve("file.txt"), "x");
        rootDir = Files.createDirectories(tmp.resolve("root"));
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(StateDirs.HOME_PROPERTY);
    }

    /** Runs {@code jvmm run -d ARGS... --rootfs ROOT true}, expects status 125 and one line containing {@code message}. */
    private void refused(String message, String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "run";
        full[1] = "-d";
        System.arraycopy(args, 0, full, 2, args.length);
        full[full.length - 1] = "true";
        assertEquals(125, cli.run(full), String.join(" ", full) + ": " + cli.err());
        assertEquals(1, cli.err().lines().count(), cli.err());
        assertTrue(cli.err().startsWith("jvmm: "), cli.err());
        assertTrue(cli.err().contains(message), "expected \"" + message + "\" in " + cli.err());
        assertTrue(new VmStore(StateDirs.fromEnvironment()).list().isEmpty(), "a VM was recorded");
    }

    @Test
    void aMissingSourceIsRefused() {
        Path gone = tmp.resolve("gone");
        refused(gone + " does not exist", "-v", gone + ":/data", "--rootfs", rootDir.toString());
        refused(
                "bind source " + gone + " does not exist",
                "--mount",
                "type=bind,source=" + gone + ",target=/data",
                "--rootfs",
                rootDir.toString());
        refused("no such volume: nosuchvolume", "-v", "nosuchvolume:/data", "--rootfs", rootDir.toString());
    }

    @Test
    void aFileWhereADirectoryIsNeededIsRefused() {
        refused(
                "bind source " + file + " is not a directory",
                "--mount",
                "type=bind,src=" + file + ",dst=/data",
                "--rootfs",
                rootDir.toString());
    }

    @Test
    void aRelativeGuestPathIsRefused() {
        refused("the guest path \"data\" must be absolute", "-v", dir + ":data", "--rootfs", rootDir.toString());
        refused(
                "the guest path \"data\" must be absolute",
                "--mount",
                "type=bind,source=" + dir + ",target=data",
                "--rootfs",
                rootDir.toString());
    }

    @Test
    void twoMountsOnOneGuestPathAreRefused() {
        refused(
                "duplicate mount point: /data",
                "-v",
                dir + ":/data",
                "-v",
                tmp + ":/data/",
                "--rootfs",
                rootDir.toString());
        refused(
                "duplicate mount point: /data",
                "-v",
                dir + ":/data",
                "-v",
                file + ":/data:ro",
                "--rootfs",
                rootDir.toString());
        refused(
                "duplicate mount point: /data",
                "-v",
                dir + ":/data",
                "--mount",
                "type=bind,source=" + tmp + ",target=/data",
                "--rootfs",
                rootDir.toString());
    }

    @Test
    void readOnlyNeedsADirectoryRoot() {
        refused("--read-only is for a directory root: give --rootfs DIR", "--read-only", "--rootfs", file.toString());
        refused("--read-only is for a directory root", "--read-only", "busybox");
    }

    @Test
    void aRootfsThatIsNeitherAFileNorADirectoryIsRefused() {
        Path gone = tmp.resolve("no-root");
        refused("--rootfs " + gone + ": no such file or directory", "--rootfs", gone.toString());
        refused(rootDir + " is a directory: give a directory root as --rootfs " + rootDir, rootDir.toString());
    }

    @Test
    void badMountKeysAreRefused() {
        refused(
                "unknown key \"bind-propagation\"",
                "--mount",
                "type=bind,source=" + dir + ",target=/d,bind-propagation=rslave",
                "--rootfs",
                rootDir.toString());
        refused(
                "type \"tmpfs\" is not supported",
                "--mount",
                "type=tmpfs,target=/d,source=x",
                "--rootfs",
                rootDir.toString());
    }
}
