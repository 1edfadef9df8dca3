package io.jvmm.cli;

import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The state home of a CLI test whose commands start VM processes: set up before the tests, and
 * after them every VM process still alive is killed, so no guest outlives its test class.
 */
final class VmProcessHome {
    private VmProcessHome() {}

    /** Points the CLI (in this JVM and in the VM processes it starts) at {@code home}. */
    static VmStore open(Path home) throws IOException {
        String repo = System.getProperty("jvmm.home", "..");
        if (System.getProperty("jvmm.home") == null)
            System.setProperty(
                    "jvmm.home", Path.of(repo).toAbsolutePath().normalize().toString());
        System.setProperty(StateDirs.HOME_PROPERTY, home.toString());
        return new VmStore(StateDirs.fromEnvironment());
    }

    /** The busybox root image the Maven build makes (guest-rootfs); fails the test when it is missing. */
    static Path busyboxRoot() {
        Path rootfs = Path.of(System.getProperty("jvmm.home", ".."), "guest-rootfs/target/rootfs.ext4")
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(rootfs)) throw new AssertionError("the busybox root image was not built: " + rootfs);
        return rootfs;
    }

    /**
     * A copy of the tree the busybox root image is made of (guest-rootfs/target/rootfs), in {@code dir},
     * for a directory root; {@code cp -a} keeps its symlinks, modes and owners.
     */
    static Path busyboxTree(Path dir) throws IOException, InterruptedException {
        Path tree = busyboxRoot().resolveSibling("rootfs");
        if (!Files.isDirectory(tree.resolve("bin")))
            throw new AssertionError("the busybox tree was not built: " + tree);
        Process cp = new ProcessBuilder("cp", "-a", tree.toString(), dir.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(cp.getInputStream().readAllBytes());
        if (cp.waitFor() != 0) throw new IOException("cp -a " + tree + " " + dir + " failed: " + output);
        return dir;
    }

    /** Kills the VM processes of {@code store} that still run (null: nothing was opened). */
    static void close(VmStore store) {
        if (store != null) {
            for (VmRecord r : store.list()) {
                // A VM run in the foreground (run, start -a) recorded this JVM as its process.
                if (VmStore.processAlive(r)
                        && r.state().pid() != ProcessHandle.current().pid())
                    ProcessHandle.of(r.state().pid()).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        System.clearProperty(StateDirs.HOME_PROPERTY);
    }
}
