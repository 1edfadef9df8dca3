package io.jvmm.runtime;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Finds the project's own kernel and test initramfs, building them with {@code kernel/build.sh} on
 * first use. The script's contract: {@code build.sh --print-dir} prints the cache directory; plain
 * {@code build.sh} builds into it, reports progress on stderr, and prints the directory as the last
 * line of stdout. {@code JVMM_KERNEL_DIR} names a directory to use instead (nothing is built).
 *
 * @param jvmmHome the repository root ({@code -Djvmm.home}, set by the launcher), or null if unknown
 * @param env      the environment ({@code System.getenv()}; a map in tests)
 */
public record DefaultKernel(Path jvmmHome, Map<String, String> env) {
    static final String KERNEL = "vmlinux";
    static final String INITRAMFS = "initramfs.cpio";
    static final String DIR_ENV = "JVMM_KERNEL_DIR";

    /** The kernel and initramfs to boot when neither the hac file nor the flags name a kernel. */
    public record Images(Path kernel, Path initramfs) {}

    public static DefaultKernel fromSystem() {
        String home = System.getProperty("jvmm.home");
        return new DefaultKernel(home == null || home.isBlank() ? null : Path.of(home), System.getenv());
    }

    /** Locates (building if needed) the default images; throws {@link EngineException} naming what is missing. */
    public Images resolve() {
        String override = env.get(DIR_ENV);
        if (override != null && !override.isBlank()) {
            Path dir = Path.of(override);
            return requireImages(dir, DIR_ENV + "=" + override);
        }
        if (jvmmHome == null) {
            throw EngineException.usage(
                    "no kernel given and jvmm.home is not set, so the project kernel cannot be found: "
                            + "pass --kernel, set hardware.kernel, or run through the ./jvmm launcher");
        }
        Path script = jvmmHome.resolve("kernel").resolve("build.sh");
        if (!Files.isExecutable(script)) {
            throw EngineException.runtime(
                    "no kernel given and " + script + " is missing or not executable; pass --kernel");
        }
        Path dir = Path.of(lastLine(run(script, "--print-dir"), script + " --print-dir"));
        if (!Files.isRegularFile(dir.resolve(KERNEL))) {
            Path built = Path.of(lastLine(run(script), script.toString()));
            dir = built;
        }
        return requireImages(dir, script + " output");
    }

    private static Images requireImages(Path dir, String origin) {
        Path kernel = dir.resolve(KERNEL);
        Path initramfs = dir.resolve(INITRAMFS);
        if (!Files.isRegularFile(kernel)) throw EngineException.runtime(origin + ": no " + KERNEL + " in " + dir);
        if (!Files.isRegularFile(initramfs)) throw EngineException.runtime(origin + ": no " + INITRAMFS + " in " + dir);
        return new Images(kernel, initramfs);
    }

    /** Runs the script with stderr passed through to the user (a kernel build reports progress there). */
    private static String run(Path script, String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = script.toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        try {
            Process p = pb.start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int status = p.waitFor();
            if (status != 0) {
                throw EngineException.runtime(String.join(" ", cmd) + " failed with exit status " + status);
            }
            return out;
        } catch (IOException e) {
            throw EngineException.runtime("cannot run " + script + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.runtime("interrupted while running " + script);
        }
    }

    private static File nullDevice() {
        return new File("/dev/null");
    }

    private static String lastLine(String out, String what) {
        String[] lines = out.strip().split("\\R");
        String last = lines[lines.length - 1].strip();
        if (last.isEmpty()) throw EngineException.runtime(what + " printed no directory");
        return last;
    }
}
