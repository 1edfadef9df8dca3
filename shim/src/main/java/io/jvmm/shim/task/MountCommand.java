package io.jvmm.shim.task;

import io.jvmm.runtime.HostBinds;
import io.jvmm.shim.proto.types.Mount;
import io.jvmm.shim.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link RootfsMounter} through mount(8) and umount(8), which parse fstab options ({@code rbind},
 * {@code ro}, overlay's {@code lowerdir=}) as containerd's mount package does.
 */
public final class MountCommand implements RootfsMounter {
    @Override
    public void mount(List<Mount> mounts, Path target) {
        int mounted = 0;
        for (Mount m : mounts) {
            try {
                run(argv(m, target));
            } catch (TtrpcException e) {
                for (; mounted > 0; mounted--) unmountOnce(target);
                throw e;
            }
            mounted++;
        }
    }

    /** mount(8)'s command line for {@code m}: binds by their options alone, others with {@code -t}. */
    static List<String> argv(Mount m, Path target) {
        if (m.getType().isEmpty())
            throw TtrpcException.invalidArgument("rootfs mount of " + m.getSource() + " has no type");
        List<String> argv = new ArrayList<>(List.of("mount"));
        boolean bind = m.getType().equals("bind") || m.getType().equals("rbind");
        List<String> options = new ArrayList<>(m.getOptionsList());
        if (bind && !options.contains("bind") && !options.contains("rbind")) options.addFirst(m.getType());
        if (!bind) argv.addAll(List.of("-t", m.getType()));
        if (!options.isEmpty()) argv.addAll(List.of("-o", String.join(",", options)));
        argv.add(m.getSource().isEmpty() ? m.getType() : m.getSource());
        argv.add(target.toString());
        return argv;
    }

    @Override
    public void unmount(Path target) {
        // Mounts stack: take them down until nothing is mounted there (a busy one lazily).
        for (int i = 0; i < 16 && HostBinds.isMountPoint(target); i++) {
            if (!unmountOnce(target)) run(List.of("umount", "-l", target.toString()));
        }
    }

    private static boolean unmountOnce(Path target) {
        try {
            run(List.of("umount", target.toString()));
            return true;
        } catch (TtrpcException e) {
            return false;
        }
    }

    private static void run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TtrpcException(
                        TtrpcException.Code.DEADLINE_EXCEEDED, String.join(" ", argv) + ": no answer in 60 s");
            }
            if (p.exitValue() != 0)
                throw new TtrpcException(
                        TtrpcException.Code.UNKNOWN,
                        argv.getFirst() + " " + argv.getLast() + ": "
                                + (out.isEmpty()
                                        ? "exit status " + p.exitValue()
                                        : out.lines().findFirst().orElse("")));
        } catch (IOException e) {
            throw new TtrpcException(
                    TtrpcException.Code.UNKNOWN, "cannot run " + argv.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TtrpcException(TtrpcException.Code.CANCELLED, argv.getFirst() + " interrupted");
        }
    }
}
