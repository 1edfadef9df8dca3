package io.jvmm.core;

import io.jvmm.core.snapshot.SnapshotException;
import java.nio.file.Path;
import java.util.List;

/**
 * Boots a probe in a JVM of its own, console on stdout, so a test can kill -9 the whole VMM or run it
 * in another network namespace. Arguments: probe ELF, probe command line, then any of
 * {@code --tap NAME}, {@code --passt}, {@code --restore DIR} and drive image paths (read-write).
 */
public final class ProbeMain {
    public static void main(String[] args) throws Exception {
        VmConfig.Builder b = VmConfig.builder()
                .kernel(Path.of(args[0]))
                .cmdline(args[1])
                .memoryMib(64)
                .consoleOutput(System.out);
        Path restore = null;
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--tap")) b.net(NetConfig.tap(args[++i]));
            else if (args[i].equals("--passt")) b.net(NetConfig.passt(List.of()));
            else if (args[i].equals("--restore")) restore = Path.of(args[++i]);
            else b.drive(null, Path.of(args[i]), false);
        }
        try (Vm vm = restore == null ? Vm.create(b.build()) : Vm.restore(restore, b.build())) {
            vm.start();
            System.exit(vm.awaitExit().exitStatus());
        } catch (ConfigException | SnapshotException e) {
            System.out.println("config error: " + e.getMessage());
            System.exit(2);
        }
    }

    private ProbeMain() {}
}
