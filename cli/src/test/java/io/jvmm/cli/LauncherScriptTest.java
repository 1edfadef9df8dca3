package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code jvmm} launcher script, run for real by bash against a stand-in repository (its built
 * jar and stamp present, so it builds nothing) and a stand-in JDK whose {@code java} prints its
 * arguments: the repository is found from the script's own path, also through a symlink and from
 * another working directory, and relative arguments reach the CLI unchanged.
 */
class LauncherScriptTest {
    @TempDir Path tmp;

    private static final Path SCRIPT = Path.of(System.getProperty("jvmm.home", "..")).resolve("jvmm").toAbsolutePath().normalize();

    /** A repository with the launcher, find-jdk.sh, a "built" CLI jar and a fresh stamp. */
    private Path repo() throws IOException {
        Path repo = Files.createDirectories(tmp.resolve("the repo"));   // a space: quoting must hold
        Files.copy(SCRIPT, repo.resolve("jvmm"));
        Files.createDirectories(repo.resolve("scripts"));
        Files.copy(SCRIPT.resolveSibling("scripts/find-jdk.sh"), repo.resolve("scripts/find-jdk.sh"));
        Files.createDirectories(repo.resolve("cli/target/lib"));
        Files.writeString(repo.resolve("cli/target/cli-0.0.0.jar"), "");
        Files.createDirectories(repo.resolve(".jvmm-build"));
        Files.writeString(repo.resolve(".jvmm-build/jars.stamp"), "");
        return repo;
    }

    /** A JDK 25 whose java prints one argument per line. */
    private Path jdk() throws IOException { return jdk("jdk"); }

    private Path jdk(String name) throws IOException {
        Path jdk = Files.createDirectories(tmp.resolve(name + "/bin"));
        Files.writeString(jdk.resolveSibling("release"), "JAVA_VERSION=\"25.0.1\"\n");
        for (String tool : List.of("java", "javac")) {
            Path p = jdk.resolve(tool);
            Files.writeString(p, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return jdk.getParent();
    }

    private List<String> launch(Path launcher, Path cwd, Path jdk, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().remove("JVMM_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "launcher hung");
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    private static void assertRanCliFrom(Path repo, List<String> javaArgs) {
        assertTrue(javaArgs.contains("-Djvmm.home=" + repo), "jvmm.home is the repository: " + javaArgs);
        int cp = javaArgs.indexOf("-cp");
        assertTrue(cp >= 0 && javaArgs.get(cp + 1).startsWith(repo.resolve("cli/target/cli-0.0.0.jar") + ":"), javaArgs.toString());
        assertTrue(javaArgs.contains("io.jvmm.cli.Jvmm"), javaArgs.toString());
    }

    @Test
    void findsTheRepositoryFromItsOwnPathAndPassesArgumentsThrough() throws Exception {
        Path repo = repo(), jdk = jdk();
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        List<String> args = launch(repo.resolve("jvmm"), elsewhere, jdk, "boot", "--kernel", "rel/k.elf", "a b");
        assertRanCliFrom(repo, args);
        assertEquals(List.of("boot", "--kernel", "rel/k.elf", "a b"), args.subList(args.size() - 4, args.size()),
                "arguments unchanged, relative paths for the CLI to resolve against its working directory");
    }

    /**
     * The JDK found is remembered per incoming JAVA_HOME, one file each: callers with different
     * JAVA_HOMEs taking turns each keep their answer instead of overwriting one shared entry.
     */
    @Test
    void theJdkIsRememberedPerJavaHome() throws Exception {
        Path repo = repo(), a = jdk("jdk-a"), b = jdk("jdk-b");
        launch(repo.resolve("jvmm"), tmp, a, "--version");
        launch(repo.resolve("jvmm"), tmp, b, "--version");
        List<Path> caches;
        try (var files = Files.list(repo.resolve(".jvmm-build"))) {
            caches = files.filter(f -> f.getFileName().toString().startsWith("java-home")).sorted().toList();
        }
        assertEquals(2, caches.size(), caches.toString());
        assertEquals(List.of(a.toString(), a.toString()), Files.readAllLines(caches.get(0)));
        assertEquals(List.of(b.toString(), b.toString()), Files.readAllLines(caches.get(1)));
    }

    @Test
    void aSymlinkToTheLauncherFindsTheRepository() throws Exception {
        Path repo = repo(), jdk = jdk();
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("jvmm"), repo.resolve("jvmm"));
        assertRanCliFrom(repo, launch(link, tmp, jdk, "--version"));
    }
}
