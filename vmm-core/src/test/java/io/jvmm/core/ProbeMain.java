package io.jvmm.core;

import java.nio.file.Path;

/**
 * Boots a probe in a JVM of its own, console on stdout, so a test can kill -9 the whole VMM.
 * Arguments: probe ELF, probe command line, then drive image paths (read-write).
 */
public final class ProbeMain {
    public static void main(String[] args) throws Exception {
        VmConfig.Builder b = VmConfig.builder().kernel(Path.of(args[0])).cmdline(args[1]).memoryMib(64)
                .consoleOutput(System.out);
        for (int i = 2; i < args.length; i++) b.drive(null, Path.of(args[i]), false);
        try (Vm vm = Vm.create(b.build())) {
            vm.start();
            System.exit(vm.awaitExit().exitStatus());
        }
    }

    private ProbeMain() {}
}
