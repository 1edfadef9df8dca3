package io.jvmm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** What the containerd tests put on containerd's PATH, and how they look for host tools. */
final class ShimOnPath {
    private ShimOnPath() {}

    /** The shim as containerd finds it on PATH: this test's class path, started at jvmm's main. */
    static void write(Path file) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String unsafe = Runtime.version().feature() >= 24 ? " --sun-misc-unsafe-memory-access=allow" : "";
        Files.writeString(
                file,
                "#!/bin/sh\nexec '" + java + "' --enable-native-access=ALL-UNNAMED" + unsafe + " -Djvmm.home='"
                        + System.getProperty("jvmm.home") + "' -cp '" + System.getProperty("java.class.path")
                        + "' io.jvmm.cli.Jvmm containerd-shim \"$@\"\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Whether {@code tool} is on PATH, or in /usr/sbin or /usr/bin (root's tools when PATH lacks them). */
    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/usr/bin", tool));
    }
}
