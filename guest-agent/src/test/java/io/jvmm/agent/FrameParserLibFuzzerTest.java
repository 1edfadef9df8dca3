package io.jvmm.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The C agent's frame and request parsing under libFuzzer ({@code src/test/c/fuzz_frames.c}, built
 * with clang's {@code -fsanitize=fuzzer,address,undefined}). A plain build runs the harness over
 * its seed corpus ({@code src/test/c/corpus}); the fuzz profile sets {@code jvmm.fuzz.seconds} and
 * it fuzzes for that long. Skipped, with the reason printed, where clang cannot build it.
 */
class FrameParserLibFuzzerTest {
    static final Path SOURCES = Path.of("src/main/c"),
            HARNESS = Path.of("src/test/c/fuzz_frames.c"),
            CORPUS = Path.of("src/test/c/corpus"),
            BINARY = Path.of("target/fuzz-frames");

    /** Builds the harness, or skips the test with the reason printed. */
    private static void build() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                "clang",
                "-g",
                "-O1",
                "-fsanitize=fuzzer,address,undefined",
                "-fno-sanitize-recover=undefined",
                "-I" + SOURCES,
                HARNESS.toString()));
        for (String c : List.of("frame.c", "io.c", "user.c", "log.c", "ctr_spec.c", "ctr_security.c"))
            cmd.add(SOURCES.resolve(c).toString());
        cmd.addAll(List.of("-o", BINARY.toString()));
        Files.createDirectories(BINARY.getParent());
        Result r;
        try {
            r = run(cmd, 120);
        } catch (IOException e) {
            r = new Result(-1, "clang not found (" + e.getMessage() + ")");
        }
        if (r.exit != 0)
            System.out.println("FrameParserLibFuzzerTest skipped: clang cannot build the libFuzzer harness "
                    + "(Debian: apt-get install clang): " + r.output.strip());
        assumeTrue(r.exit == 0, "clang with -fsanitize=fuzzer is needed");
    }

    @Test
    void harness() throws Exception {
        build();
        String seconds = System.getProperty("jvmm.fuzz.seconds");
        List<String> cmd =
                new ArrayList<>(List.of(BINARY.toString(), "-timeout=10", "-artifact_prefix=target/fuzz-frames-"));
        if (seconds == null) {
            // Regression: each seed (and crash input kept as one) runs once.
            try (Stream<Path> s = Files.list(CORPUS)) {
                s.sorted().forEach(p -> cmd.add(p.toString()));
            }
        } else {
            // New inputs go to a scratch corpus; the checked-in one is only read.
            Path scratch = Files.createDirectories(Path.of("target/fuzz-frames-corpus"));
            cmd.addAll(List.of("-max_total_time=" + Integer.parseInt(seconds), scratch.toString(), CORPUS.toString()));
        }
        Result r = run(cmd, seconds == null ? 120 : Integer.parseInt(seconds) + 120);
        String out = r.output;
        System.out.println(out.lines()
                .filter(l -> l.startsWith("Done") || l.startsWith("Executed") || l.contains("DONE"))
                .reduce("fuzz-frames:", (a, b) -> a + " " + b));
        assertEquals(
                0,
                r.exit,
                () -> "the harness failed (the input is under target/fuzz-frames-*):\n"
                        + out.substring(Math.max(0, out.length() - 6000)));
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("fuzz-frames", ".log");
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return new Result(-2, "timed out after " + timeoutSeconds + " s: " + Files.readString(log));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Seeds: what a host sends on each kind of connection, written by SeedWriter.main.

    @Test
    void seedsAreSeedWritersConversations() throws IOException {
        for (var e : SeedWriter.seeds().entrySet()) {
            assertArrayEquals(
                    e.getValue(),
                    Files.readAllBytes(CORPUS.resolve(e.getKey())),
                    e.getKey() + " differs from SeedWriter's");
        }
    }

    static final class SeedWriter {
        static Map<String, byte[]> seeds() throws IOException {
            Map<String, byte[]> s = new TreeMap<>();
            s.put(
                    "exec",
                    frames(
                            ExecRequest.of("sh", "-c", "echo hi")
                                    .withEnv(List.of("A=1", "B="))
                                    .withCwd("/tmp")
                                    .withUser("1000:1000")
                                    .withTty(true)
                                    .withStdin(true)
                                    .withSize(24, 80)
                                    .toFrame(),
                            new Frame(AgentProtocol.STDIN, "input".getBytes(StandardCharsets.UTF_8)),
                            new Payload.Writer().u32(15).frame(AgentProtocol.SIGNAL),
                            new Payload.Writer().u16(50).u16(132).frame(AgentProtocol.RESIZE),
                            new Frame(AgentProtocol.STDIN, new byte[0])));
            s.put(
                    "copy-in",
                    frames(
                            new Payload.Writer().str("/etc/hosts").u32(0644).frame(AgentProtocol.COPY_IN),
                            new Frame(AgentProtocol.DATA, "127.0.0.1 localhost\n".getBytes(StandardCharsets.UTF_8)),
                            new Frame(AgentProtocol.DATA, new byte[0])));
            s.put("copy-out", frames(new Payload.Writer().str("/etc/passwd").frame(AgentProtocol.COPY_OUT)));
            s.put(
                    "ping-poweroff",
                    frames(
                            new Frame(AgentProtocol.PING, new byte[0]),
                            new Payload.Writer().u32(5000).frame(AgentProtocol.POWEROFF)));
            return s;
        }

        private static byte[] frames(Frame... frames) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Frame f : frames) FrameCodec.write(out, f);
            return out.toByteArray();
        }

        public static void main(String[] args) throws IOException {
            Files.createDirectories(CORPUS);
            for (var e : seeds().entrySet()) Files.write(CORPUS.resolve(e.getKey()), e.getValue());
        }
    }
}
