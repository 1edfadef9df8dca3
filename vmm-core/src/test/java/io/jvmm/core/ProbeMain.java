package io.jvmm.core;

import java.nio.file.Path;

/**
 * Boots a probe in a JVM of its own, console on stdout, so a test can kill -9 the whole VMM or run it
 * in another network namespace. Arguments: probe ELF, probe command line, then any of
 * {@code --tap NAME}, {@code --passt} and drive image paths (read-write).
 */
public final class ProbeMain {
    public static void main(String[] args) throws Exception {
        VmConfig.Builder b = VmConfig.builder().kernel(Path.of(args[0])).cmdline(args[1]).memoryMib(64)
                .consoleOutput(System.out);
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--tap")) b.net(NetConfig.tap(args[++i]));
            else if (args[i].equals("--passt")) b.net(NetConfig.passt(java.util.List.of()));
            else b.drive(null, Path.of(args[i]), false);
        }
        try (Vm vm = Vm.create(b.build())) {
            vm.start();
            System.exit(vm.awaitExit().exitStatus());
        } catch (ConfigException e) {
            System.out.println("config error: " + e.getMessage());
            System.exit(2);
        }
    }

    private ProbeMain() {}
}
