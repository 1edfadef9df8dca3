package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.runc.SpecTemplate;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvmm runc} without KVM: global flags, runc's errors and exit codes, the log file, spec, features, list. */
class RuncCliTest {
    @TempDir
    Path tmp;

    private final CliRun cli = new CliRun();

    private String[] runc(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "runc";
        all[1] = "--root";
        all[2] = tmp.resolve("root").toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return all;
    }

    private void fails(String message, String... args) {
        assertEquals(1, cli.run(runc(args)), String.join(" ", args) + ": " + cli.err());
        assertEquals(message + "\n", cli.err());
    }

    private boolean nothingRecorded() {
        return new VmStore(new StateDirs(Map.of("JVMM_HOME", tmp.resolve("root").toString())))
                .list()
                .isEmpty();
    }

    @Test
    void versionIsRuncsFirstLines() {
        assertEquals(0, cli.run("runc", "--version"), cli.err());
        List<String> lines = cli.out().lines().toList();
        assertTrue(lines.get(0).startsWith("runc version "), cli.out());
        assertEquals("spec: " + SpecTemplate.OCI_VERSION, lines.get(1));
    }

    @Test
    void unknownContainersAreRuncsError() {
        fails("container \"nope\" does not exist", "state", "nope");
        fails("container \"nope\" does not exist", "start", "nope");
        fails("container \"nope\" does not exist", "kill", "nope", "KILL");
        fails("container \"nope\" does not exist", "delete", "nope");
        assertEquals(0, cli.run(runc("delete", "--force", "nope")), cli.err());
        fails("unknown signal \"FOO\"", "kill", "nope", "FOO");
        fails("container \"nope\" does not exist", "exec", "nope", "true");
        fails("container \"nope\" does not exist", "exec", "-d", "--process", "p.json", "nope");
        fails("container \"nope\" does not exist", "ps", "nope");
        fails("container \"nope\" does not exist", "ps", "--format", "json", "nope");
        fails("container \"nope\" does not exist", "pause", "nope");
        fails("container \"nope\" does not exist", "resume", "nope");
        fails(
                "--preserve-fds 1: jvmm-runc cannot pass descriptors into the container's VM",
                "exec",
                "--preserve-fds",
                "1",
                "nope",
                "true");
        fails(
                "cannot use console socket if runc will not detach or allocate tty",
                "exec",
                "--console-socket",
                "s",
                "nope",
                "true");
        fails("invalid format option", "ps", "--format", "yaml", "nope");
        fails("container \"nope\" does not exist", "update", "--pids-limit", "5", "nope");
        assertEquals(1, cli.run(runc("update", "--memory", "lots", "nope")));
        assertTrue(cli.err().startsWith("--memory: ") && cli.err().lines().count() == 1, cli.err());
        Path missing = tmp.resolve("missing.json");
        fails("resources " + missing + ": no such file", "update", "--resources", missing.toString(), "nope");
        assertEquals(null, System.getProperty(StateDirs.HOME_PROPERTY), "--root leaked into this JVM");
    }

    @Test
    void errorsGoToTheLogInItsFormatAndIgnoredFlagsAreDebugLines() throws Exception {
        Path json = tmp.resolve("log.json");
        assertEquals(
                1, cli.run(runc("--log", json.toString(), "--log-format", "json", "--systemd-cgroup", "state", "x")));
        assertEquals("container \"x\" does not exist\n", cli.err());
        List<String> lines = Files.readAllLines(json);
        assertEquals(1, lines.size(), lines::toString);
        JsonNode line = StateJson.mapper().readTree(lines.getFirst());
        assertEquals("error", line.get("level").asText());
        assertEquals("container \"x\" does not exist", line.get("msg").asText());
        assertTrue(line.has("time"));

        Path text = tmp.resolve("log.txt");
        assertEquals(
                0,
                cli.run(runc(
                        "--log",
                        text.toString(),
                        "--debug",
                        "--cgroup-manager",
                        "systemd",
                        "--systemd-cgroup",
                        "--rootless", // no value: the subcommand follows
                        "list",
                        "-q")),
                cli.err());
        String log = Files.readString(text);
        assertTrue(log.contains("level=debug msg=\"--systemd-cgroup ignored"), log);
        assertTrue(log.contains("level=debug msg=\"--rootless true ignored"), log);
        assertTrue(log.contains("level=debug msg=\"--cgroup-manager systemd ignored"), log);
        assertFalse(log.contains("level=error"), log);

        assertEquals(1, cli.run(runc("--log-format", "xml", "list")));
        assertEquals("invalid log-format: xml (text or json)\n", cli.err());
    }

    @Test
    void listOfAnEmptyRoot() {
        assertEquals(0, cli.run(runc("list")), cli.err());
        assertEquals("ID          PID         STATUS      BUNDLE      CREATED     OWNER\n", cli.out());
        assertEquals(0, cli.run(runc("list", "--format", "json")), cli.err());
        assertEquals("[]\n", cli.out());
        assertEquals(0, cli.run(runc("list", "-q")), cli.err());
        assertEquals("", cli.out());
        fails("invalid format option", "list", "--format", "yaml");
    }

    @Test
    void specWritesTheTemplateOnceAndFeaturesIsTheDocument() throws Exception {
        Path bundle = Files.createDirectories(tmp.resolve("bundle"));
        assertEquals(0, cli.run(runc("spec", "--bundle", bundle.toString())), cli.err());
        assertEquals(SpecTemplate.json(), Files.readString(bundle.resolve("config.json")));
        fails("File config.json exists. Remove it first", "spec", "-b", bundle.toString());

        assertEquals(0, cli.run(runc("features")), cli.err());
        JsonNode f = StateJson.mapper().readTree(cli.out());
        assertEquals(SpecTemplate.OCI_VERSION, f.get("ociVersionMax").asText());
    }

    @Test
    void createRefusesWhatItCannotDoBeforeAnythingIsRecorded() throws Exception {
        Path bundle = Files.createDirectories(tmp.resolve("bundle"));
        fails(
                "JSON specification file config.json not found in bundle " + bundle,
                "create",
                "-b",
                bundle.toString(),
                "c1");
        Files.createDirectories(bundle.resolve("rootfs"));
        assertEquals(0, cli.run(runc("spec", "-b", bundle.toString())), cli.err());
        // the template asks for a terminal
        fails(
                "cannot allocate tty if runc will detach without setting console socket",
                "create",
                "--bundle",
                bundle.toString(),
                "c1");
        Files.writeString(
                bundle.resolve("config.json"),
                Files.readString(bundle.resolve("config.json"))
                        .replaceFirst("\"terminal\":\\s*true", "\"terminal\": false"));
        fails(
                "cannot use console socket if runc will not detach or allocate tty",
                "create",
                "--bundle",
                bundle.toString(),
                "--console-socket",
                tmp.resolve("sock").toString(),
                "c1");
        fails(
                "--preserve-fds 2: jvmm-runc cannot pass descriptors into the container's VM",
                "create",
                "-b",
                bundle.toString(),
                "--preserve-fds",
                "2",
                "c1");
        assertEquals(1, cli.run(runc("create", "-b", bundle.toString(), "a/b")));
        assertTrue(cli.err().startsWith("invalid container id \"a/b\""), cli.err());
        assertTrue(nothingRecorded());
    }
}
