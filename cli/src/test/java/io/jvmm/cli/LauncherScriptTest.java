package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
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
    @TempDir
    Path tmp;

    private static final Path SCRIPT = Path.of(System.getProperty("jvmm.home", ".."))
            .resolve("jvmm")
            .toAbsolutePath()
            .normalize();

    /** A repository with the launcher, find-jdk.sh, a "built" CLI jar and a fresh stamp. */
    private Path repo() throws IOException {
        Path repo = Files.createDirectories(tmp.resolve("the repo")); // a space: quoting must hold
        Files.copy(SCRIPT, repo.resolve("jvmm"));
        Files.createDirectories(repo.resolve("scripts"));
        Files.copy(SCRIPT.resolveSibling("scripts/find-jdk.sh"), repo.resolve("scripts/find-jdk.sh"));
        Files.createDirectories(repo.resolve("cli/target/lib"));
        Files.writeString(repo.resolve("cli/target/cli-0.0.0.jar"), "");
        Files.createDirectories(repo.resolve(".jvmm-build"));
        Files.writeString(repo.resolve(".jvmm-build/jars.stamp"), "");
        return repo;
    }

    /**
     * A JDK 25 whose java prints one argument per line; asked to write an AOT cache
     * (-XX:AOTCacheOutput=FILE), it writes its arguments there instead, so a test can read what
     * each cache was trained on.
     */
    private Path jdk() throws IOException {
        return jdk("jdk");
    }

    private Path jdk(String name) throws IOException {
        Path jdk = Files.createDirectories(tmp.resolve(name + "/bin"));
        Files.writeString(jdk.resolveSibling("release"), "JAVA_VERSION=\"25.0.1\"\n");
        for (String tool : List.of("java", "javac")) {
            Path p = jdk.resolve(tool);
            Files.writeString(p, """
                    #!/bin/sh
                    out=
                    for a in "$@"; do
                      printf '%s\\n' "$a"
                      case $a in -XX:AOTCacheOutput=*) out=${a#*=} ;; esac
                    done
                    if [ -n "$out" ]; then printf '%s\\n' "$@" > "$out"; fi
                    """);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return jdk.getParent();
    }

    private List<String> launch(Path launcher, Path cwd, Path jdk, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", launcher.toString()));
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
        assertTrue(
                cp >= 0 && javaArgs.get(cp + 1).startsWith(repo.resolve("cli/target/cli-0.0.0.jar") + ":"),
                javaArgs.toString());
        assertTrue(javaArgs.contains("io.jvmm.cli.Jvmm"), javaArgs.toString());
    }

    @Test
    void findsTheRepositoryFromItsOwnPathAndPassesArgumentsThrough() throws Exception {
        Path repo = repo(), jdk = jdk();
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        List<String> args = launch(repo.resolve("jvmm"), elsewhere, jdk, "boot", "--kernel", "rel/k.elf", "a b");
        assertRanCliFrom(repo, args);
        assertEquals(
                List.of("boot", "--kernel", "rel/k.elf", "a b"),
                args.subList(args.size() - 4, args.size()),
                "arguments unchanged, relative paths for the CLI to resolve against its working directory");
    }

    /** Through a link named jvmm-runc (on PATH, elsewhere), the launcher runs the OCI runtime: {@code jvmm runc ARGS}. */
    @Test
    void runAsJvmmRuncItIsTheRuncCommand() throws Exception {
        Path repo = repo(), jdk = jdk();
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("jvmm-runc"), repo.resolve("jvmm"));
        List<String> args = launch(link, tmp, jdk, "--root", "/run/x", "state", "c1");
        assertRanCliFrom(repo, args);
        assertEquals(
                List.of("io.jvmm.cli.Jvmm", "runc", "--root", "/run/x", "state", "c1"),
                args.subList(args.size() - 6, args.size()));
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
            caches = files.filter(f -> f.getFileName().toString().startsWith("java-home"))
                    .sorted()
                    .toList();
        }
        assertEquals(2, caches.size(), caches.toString());
        assertEquals(List.of(a.toString(), a.toString()), Files.readAllLines(caches.get(0)));
        assertEquals(List.of(b.toString(), b.toString()), Files.readAllLines(caches.get(1)));
    }

    /**
     * After a build the launcher trains three AOT caches: `boot` of the hello probe by flags, the
     * same probe through `boot --hac examples/probe-hello.toml`, and the other commands; each run
     * then starts from the cache trained on its own path.
     */
    @Test
    void bootByFlagsAndBootByHacFileEachGetACacheTrainedOnTheirPath() throws Exception {
        assumeTrue(
                Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm")),
                "the launcher trains the boot caches only where /dev/kvm is usable");
        Path repo = repo(), jdk = jdk();
        Files.createDirectories(repo.resolve("probes/target"));
        Files.writeString(repo.resolve("probes/target/hello.elf"), "");
        Files.createDirectories(repo.resolve("examples"));
        Files.writeString(repo.resolve("examples/probe-hello.toml"), "");
        launch(repo.resolve("jvmm"), tmp, jdk, "--train-aot");

        Path build = repo.resolve(".jvmm-build");
        List<String> hacTraining = Files.readAllLines(build.resolve("jvmm-hac.aot"));
        assertEquals(
                List.of(
                        "boot",
                        "--hac",
                        repo.resolve("examples/probe-hello.toml").toString()),
                hacTraining.subList(hacTraining.size() - 3, hacTraining.size()));
        List<String> bootTraining = Files.readAllLines(build.resolve("jvmm-boot.aot"));
        assertTrue(bootTraining.contains("--kernel") && !bootTraining.contains("--hac"), bootTraining.toString());
        assertTrue(Files.readAllLines(build.resolve("jvmm.aot")).contains(AotTrainCommand.NAME));

        assertEquals(build.resolve("jvmm-hac.aot").toString(), cacheUsed(repo, jdk, "boot", "--hac", "my.toml"));
        assertEquals(
                build.resolve("jvmm-hac.aot").toString(), cacheUsed(repo, jdk, "boot", "--cpus", "2", "--hac=my.toml"));
        assertEquals(build.resolve("jvmm-boot.aot").toString(), cacheUsed(repo, jdk, "boot", "--kernel", "k.elf"));
        assertEquals(build.resolve("jvmm.aot").toString(), cacheUsed(repo, jdk, "ps"));
        Files.delete(build.resolve("jvmm-hac.aot"));
        assertEquals(
                build.resolve("jvmm.aot").toString(),
                cacheUsed(repo, jdk, "boot", "--hac", "my.toml"),
                "a missing cache falls back to the general one");
    }

    private String cacheUsed(Path repo, Path jdk, String... args) throws Exception {
        return launch(repo.resolve("jvmm"), tmp, jdk, args).stream()
                .filter(a -> a.startsWith("-XX:AOTCache="))
                .map(a -> a.substring("-XX:AOTCache=".length()))
                .findFirst()
                .orElse("none");
    }

    @Test
    void aSymlinkToTheLauncherFindsTheRepository() throws Exception {
        Path repo = repo(), jdk = jdk();
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("jvmm"), repo.resolve("jvmm"));
        assertRanCliFrom(repo, launch(link, tmp, jdk, "--version"));
    }
}
