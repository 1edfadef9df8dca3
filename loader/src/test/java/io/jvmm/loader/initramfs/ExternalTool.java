package io.jvmm.loader.initramfs;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs host tools (cpio, gen_init_cpio) for the interoperability tests. */
final class ExternalTool {
    private ExternalTool() {}

    /** The executable named {@code name} on PATH, if any. */
    static Optional<Path> onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    record Result(int exitCode, String output) {}

    /** Runs {@code command} in {@code cwd} with stdin from {@code input} (or none); stdout and stderr together. */
    static Result run(Path cwd, Path input, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        if (input != null) pb.redirectInput(input.toFile());
        else pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command.getFirst() + " did not finish within 60 s");
        }
        return new Result(p.exitValue(), out);
    }

    /** Like {@link #run} but returns stdout only, as raw bytes, failing on a non-zero exit. */
    static byte[] runForBytes(Path cwd, List<String> command) throws IOException, InterruptedException {
        Path err = Files.createTempFile("tool", ".err");
        try {
            Process p = new ProcessBuilder(command)
                    .directory(cwd.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.getFirst() + " did not finish within 60 s");
            }
            if (p.exitValue() != 0)
                throw new IOException(command + " exited " + p.exitValue() + ": " + Files.readString(err));
            return out;
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
