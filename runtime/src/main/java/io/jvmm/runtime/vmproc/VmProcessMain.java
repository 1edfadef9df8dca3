package io.jvmm.runtime.vmproc;

import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.PrivateFiles;
import java.nio.file.Path;

/**
 * The entry point of a detached VM process for a program that embeds the engine without the CLI
 * ({@link io.jvmm.runtime.Engine#embedded()}): {@code __vm-process ID [--kernel FILE] [--ready-timeout SECONDS]
 * [--restore DIR] [--network-fd FD [--network-interface NAME,MAC,CIDR,GATEWAY,MTU]]}, the arguments {@link VmLaunch} passes, handed to
 * {@link VmRun#detached}. Its exit status is the workload's, as the CLI's {@code jvmm __vm-process}.
 */
public final class VmProcessMain {
    private VmProcessMain() {}

    public static void main(String[] args) throws Exception {
        PrivateFiles.restrictUmask(); // the VM's state files are the user's alone, as the CLI makes them
        int status;
        try {
            status = VmRun.detached(parse(args));
        } catch (EngineException e) {
            System.err.println("jvmm: " + e.getMessage());
            status = e.status();
        }
        System.exit(status);
    }

    /** The arguments as {@link VmLaunch} writes them; a usage error names anything else. */
    static VmRun.Detached parse(String[] args) {
        if (args.length < 2 || !args[0].equals(EntryPoint.VM_PROCESS))
            throw EngineException.usage("expected " + EntryPoint.VM_PROCESS + " ID [options]");
        String id = args[1];
        Path kernel = null, restore = null;
        Integer readyTimeout = null, networkFd = null;
        String joined = null;
        for (int i = 2; i < args.length; i += 2) {
            if (i + 1 >= args.length) throw EngineException.usage(args[i] + " needs a value");
            String v = args[i + 1];
            switch (args[i]) {
                case "--kernel" -> kernel = Path.of(v);
                case "--restore" -> restore = Path.of(v);
                case "--ready-timeout" -> readyTimeout = number(args[i], v);
                case "--network-fd" -> networkFd = number(args[i], v);
                case "--network-interface" -> joined = v;
                default -> throw EngineException.usage("unknown option " + args[i]);
            }
        }
        return VmRun.Detached.of(id, kernel, readyTimeout, restore, networkFd, joined);
    }

    private static int number(String option, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw EngineException.usage(option + " expects a number, got " + v);
        }
    }
}
