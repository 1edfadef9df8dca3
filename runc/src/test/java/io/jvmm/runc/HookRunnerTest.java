package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hooks run on the host as real processes: argv, environment, the state on stdin, failures and timeouts. */
class HookRunnerTest {
    @TempDir
    Path tmp;

    private final HookState state = new HookState("c1", "creating", 4242, "/b", Map.of("k", "v"));

    private static OciHooks.Hook sh(String script, List<String> env, Integer timeout) {
        return new OciHooks.Hook("/bin/sh", List.of("my-hook", "-c", script), env, timeout);
    }

    @Test
    void aHookGetsItsArgvItsEnvironmentAndTheStateOnStdin() throws Exception {
        Path out = tmp.resolve("out");
        HookRunner.run(
                "createRuntime",
                List.of(sh(
                        "echo \"$0 $X\" > " + out + "; cat > " + out + ".json; env > " + out + ".env",
                        List.of("X=1"),
                        5)),
                state);
        assertEquals("my-hook 1\n", Files.readString(out));
        JsonNode s = new ObjectMapper().readTree(Files.readString(Path.of(out + ".json")));
        assertEquals(SpecTemplate.OCI_VERSION, s.get("ociVersion").asText());
        assertEquals("c1", s.get("id").asText());
        assertEquals("creating", s.get("status").asText());
        assertEquals(4242, s.get("pid").asLong());
        assertEquals("/b", s.get("bundle").asText());
        assertEquals("v", s.get("annotations").get("k").asText());
        List<String> env = Files.readAllLines(Path.of(out + ".env"));
        assertTrue(env.contains("X=1"), env.toString());
        assertFalse(env.stream().anyMatch(l -> l.startsWith("HOME=") || l.startsWith("PATH=")), env.toString());
    }

    @Test
    void withoutEnvAHookHasTheRuntimesEnvironmentAndWithoutArgsItsPathAsArgvZero() throws Exception {
        Path script = Files.writeString(
                tmp.resolve("hook.sh"), "#!/bin/sh\necho \"$0 $HOME\" > " + tmp.resolve("out") + "\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        HookRunner.run("poststop", List.of(new OciHooks.Hook(script.toString(), null, null, null)), state);
        assertEquals(script + " " + System.getenv("HOME") + "\n", Files.readString(tmp.resolve("out")));
    }

    @Test
    void theFirstFailingHookStopsTheRestAndItsErrorQuotesItsOutput() throws Exception {
        Path after = tmp.resolve("after");
        HookException e = assertThrows(
                HookException.class,
                () -> HookRunner.run(
                        "createRuntime",
                        List.of(
                                sh("true", null, null),
                                sh("echo out; echo err >&2; exit 3", null, null),
                                sh("touch " + after, null, null)),
                        state));
        assertEquals(
                "error running createRuntime hook #1 (/bin/sh): exit status 3, stdout: out, stderr: err",
                e.getMessage());
        assertFalse(Files.exists(after), "the hooks after a failing one do not run");
    }

    @Test
    void aHookPastItsTimeoutIsKilled() {
        long t0 = System.nanoTime();
        HookException e = assertThrows(
                HookException.class,
                () -> HookRunner.run("poststart", List.of(sh("echo started; exec sleep 60", null, 1)), state));
        assertEquals(
                "error running poststart hook #0 (/bin/sh): ran past its timeout of 1s, stdout: started, stderr: ",
                e.getMessage());
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "killed, not waited for");
    }

    @Test
    void aMissingProgramAndASignalAreFailuresNamingThem() throws Exception {
        HookException missing = assertThrows(
                HookException.class,
                () -> HookRunner.run("prestart", List.of(new OciHooks.Hook("/no/such/hook", null, null, null)), state));
        assertTrue(
                missing.getMessage().startsWith("error running prestart hook #0 (/no/such/hook): "),
                missing.getMessage());
        assertTrue(missing.getMessage().contains("ENOENT"), missing.getMessage());
        HookException killed = assertThrows(
                HookException.class, () -> HookRunner.run("prestart", List.of(sh("kill -9 $$", null, null)), state));
        assertTrue(killed.getMessage().contains(": signal: 9"), killed.getMessage());
    }

    @Test
    void runAllRunsEveryHookAndReturnsTheFailures() throws Exception {
        Path last = tmp.resolve("last");
        List<String> failures = HookRunner.runAll(
                "poststop",
                List.of(sh("exit 1", null, null), sh("exit 2", null, null), sh("touch " + last, null, null)),
                state.withStatus("stopped"));
        assertEquals(
                List.of(
                        "error running poststop hook #0 (/bin/sh): exit status 1, stdout: , stderr: ",
                        "error running poststop hook #1 (/bin/sh): exit status 2, stdout: , stderr: "),
                failures);
        assertTrue(Files.exists(last));
    }

    @Test
    void aStateWithoutPidOrAnnotationsLeavesThemOut() throws Exception {
        JsonNode s = new ObjectMapper().readTree(new HookState("c", "stopped", 0, "/b", Map.of()).json());
        assertFalse(s.has("pid"));
        assertFalse(s.has("annotations"));
    }
}
