package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jvmm.runtime.state.StateDirs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The launcher's AOT training run: succeeds without KVM or a probe, and leaves nothing behind. */
class AotTrainCommandTest {
    @Test
    void trainsWithoutAProbeAndCleansUp() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = countTrainingDirs(tmp);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Jvmm.run(
                new String[] {AotTrainCommand.NAME},
                new ByteArrayOutputStream(),
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(err, true));
        assertEquals(0, status, err.toString());
        assertEquals(before, countTrainingDirs(tmp), "the training state directory is removed");
        assertNull(System.getProperty(StateDirs.HOME_PROPERTY), "the state home property is restored");
    }

    private static long countTrainingDirs(Path tmp) throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("jvmm-aot-train-"))
                    .count();
        }
    }
}
