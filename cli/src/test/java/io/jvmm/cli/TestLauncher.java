package io.jvmm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * An executable script that runs jvmm from this test's class path, with leading arguments: what a test
 * puts where another program (containerd, podman, conmon) expects jvmm's launcher under another name.
 */
final class TestLauncher {
    private TestLauncher() {}

    /** Writes {@code file}: {@code java ... io.jvmm.cli.Jvmm <command> "$@"}. */
    static Path write(Path file, String command) throws IOException {
        return write(file, command, Map.of());
    }

    /** As {@link #write(Path, String)}, with {@code env} exported first (what its caller does not pass on). */
    static Path write(Path file, String command, Map<String, String> env) throws IOException {
        StringBuilder exports = new StringBuilder();
        env.forEach((k, v) ->
                exports.append("export ").append(k).append("='").append(v).append("'\n"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String unsafe = Runtime.version().feature() >= 24 ? " --sun-misc-unsafe-memory-access=allow" : "";
        Files.writeString(
                file,
                "#!/bin/sh\n" + exports + "exec '" + java + "' --enable-native-access=ALL-UNNAMED" + unsafe
                        + " -Djvmm.home='"
                        + System.getProperty("jvmm.home") + "' -cp '" + System.getProperty("java.class.path")
                        + "' io.jvmm.cli.Jvmm " + command + " \"$@\"\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
