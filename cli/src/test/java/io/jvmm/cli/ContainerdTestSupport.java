package io.jvmm.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the containerd tests put on containerd's PATH, how they look for host tools, and what they show on failure. */
final class ContainerdTestSupport {
    private ContainerdTestSupport() {}

    /** The shim as containerd finds it on PATH: this test's class path, started at jvmm's main. */
    static void write(Path file) throws IOException {
        TestLauncher.write(file, "containerd-shim");
    }

    /** Whether {@code tool} is on PATH, or in /usr/sbin or /usr/bin (root's tools when PATH lacks them). */
    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/usr/bin", tool));
    }

    /** containerd's log ({@code dir/containerd.log}) and the shims' logs in their state home, for failure messages. */
    static String logs(Path dir, Path shimHome) {
        StringBuilder b = new StringBuilder();
        try {
            b.append("\ncontainerd log:\n").append(Files.readString(dir.resolve("containerd.log")));
            if (Files.isDirectory(shimHome)) {
                try (var logs = Files.list(shimHome)) {
                    for (Path l : logs.filter(f -> f.getFileName().toString().endsWith(".log"))
                            .toList())
                        b.append("\n").append(l.getFileName()).append(":\n").append(Files.readString(l));
                }
            }
        } catch (IOException e) {
            b.append("(").append(e.getMessage()).append(")");
        }
        return b.toString();
    }

    /** A process's whole command line: ProcessHandle.Info cuts it at a page, shorter than the shim's class path. */
    static List<String> cmdline(long pid) {
        try {
            String all = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8);
            return List.of(all.split("\0"));
        } catch (IOException e) {
            return List.of(); // gone meanwhile, or not ours to read
        }
    }
}
