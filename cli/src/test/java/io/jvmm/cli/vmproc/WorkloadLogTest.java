package io.jvmm.cli.vmproc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workload log's records: in the file (logs) and on an ATTACH connection, both streams kept apart and in order. */
class WorkloadLogTest {
    @TempDir Path dir;

    @Test
    void fileRecordsKeepBothStreamsAndSplitLargeWrites() throws Exception {
        byte[] big = new byte[WorkloadLog.MAX_RECORD * 2 + 17];
        new Random(1).nextBytes(big);
        Path f = dir.resolve("workload.log");
        try (WorkloadLog log = WorkloadLog.append(f)) {
            log.stream(WorkloadLog.STDOUT).write("out1\n".getBytes());
            log.stream(WorkloadLog.STDERR).write("err1\n".getBytes());
            log.write(WorkloadLog.STDOUT, big, 0, big.length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        WorkloadLog.copy(f, out, err, false, () -> false);
        byte[] expected = new byte[5 + big.length];
        System.arraycopy("out1\n".getBytes(), 0, expected, 0, 5);
        System.arraycopy(big, 0, expected, 5, big.length);
        assertArrayEquals(expected, out.toByteArray());
        assertEquals("err1\n", err.toString());
    }

    @Test
    void attachRecordsRoundTripAndMalformedOnesAreRefused() throws Exception {
        byte[] big = new byte[WorkloadLog.MAX_RECORD + 3];
        new Random(2).nextBytes(big);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(WorkloadLog.records(WorkloadLog.STDERR, "e".getBytes(), 0, 1));
        wire.write(WorkloadLog.records(WorkloadLog.STDOUT, big, 0, big.length));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        WorkloadLog.copyRecords(new ByteArrayInputStream(wire.toByteArray()), out, err);
        assertArrayEquals(big, out.toByteArray());
        assertEquals("e", err.toString());

        byte[] tooLong = {1, 0, 2, 0, 0};
        assertThrows(IOException.class, () -> WorkloadLog.copyRecords(new ByteArrayInputStream(tooLong), out, err));
        byte[] badStream = {9, 0, 0, 0, 1, 'x'};
        assertThrows(IOException.class, () -> WorkloadLog.copyRecords(new ByteArrayInputStream(badStream), out, err));
        byte[] cut = {1, 0, 0, 0, 4, 'a'};
        assertThrows(EOFException.class, () -> WorkloadLog.copyRecords(new ByteArrayInputStream(cut), out, err));
    }
}
