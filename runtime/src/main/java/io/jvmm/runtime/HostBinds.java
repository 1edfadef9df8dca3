package io.jvmm.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Bind mounts on the host through mount(8) and umount(8): how a file reaches a VM whose file server
 * shares directories (a file bound on an empty file in a shared directory). They need mount privileges
 * (root, or podman's user namespace for a rootless one); a failure is an {@link EngineException} with
 * mount's first line.
 */
public final class HostBinds {
    private HostBinds() {}

    /** Binds {@code source} (a file on a file, a directory on a directory) on {@code target}, read-only if asked. */
    public static void bind(Path source, Path target, boolean readOnly) throws InterruptedException {
        run(List.of("mount", "--bind", source.toString(), target.toString()));
        // A bind takes the flags of its source; read-only needs a remount of the bind itself.
        if (readOnly) {
            try {
                run(List.of("mount", "-o", "remount,bind,ro", target.toString()));
            } catch (EngineException e) {
                unbind(target);
                throw e;
            }
        }
    }

    /** Takes down every mount stacked on {@code target} (a busy one lazily); nothing mounted is no error. */
    public static void unbind(Path target) throws InterruptedException {
        for (int i = 0; i < 16 && isMountPoint(target); i++) {
            try {
                run(List.of("umount", target.toString()));
            } catch (EngineException e) {
                run(List.of("umount", "-l", target.toString()));
            }
        }
    }

    /** Whether {@code path} is a mount point, from /proc/self/mountinfo (field 5, octal escapes). */
    public static boolean isMountPoint(Path path) {
        String want = path.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 4 && unescape(f[4]).equals(want)) return true;
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** mountinfo's octal escapes ({@code \040} for a space) undone. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void run(List<String> argv) throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(new ArrayList<>(argv))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw EngineException.runtime("cannot run " + argv.getFirst() + ": " + e.getMessage());
        }
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS))
                throw EngineException.runtime(String.join(" ", argv) + ": no answer in 60 s");
            if (p.exitValue() != 0)
                throw EngineException.runtime(String.join(" ", argv) + ": "
                        + (out.isEmpty()
                                ? "exit status " + p.exitValue()
                                : out.lines().findFirst().orElse("")));
        } catch (IOException e) {
            throw EngineException.runtime(argv.getFirst() + ": " + e.getMessage());
        } finally {
            p.destroyForcibly();
        }
    }
}
