package io.jvmm.runtime.vmproc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.runtime.state.LogOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workload log's records: in the file (logs) and on an ATTACH connection, both streams kept apart and in order. */
class WorkloadLogTest {
    @TempDir
    Path dir;

    @Test
    void fileRecordsKeepBothStreamsAndSplitLargeWrites() throws Exception {
        byte[] big = new byte[WorkloadLog.MAX_RECORD * 2 + 17];
        new Random(1).nextBytes(big);
        Path f = dir.resolve("workload.log");
        try (WorkloadLog log = WorkloadLog.append(f, LogOptions.DEFAULT)) {
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

    /** A workload writing 1 GiB leaves at most max-size × max-file on disk, and logs shows the newest of it whole. */
    @Test
    void aGigabyteOfOutputLeavesAtMostTheCap() throws Exception {
        LogOptions opts = LogOptions.DEFAULT.with("max-size=1m").with("max-file=3");
        Path f = dir.resolve("workload.log");
        byte[] chunk = new byte[65536];
        try (WorkloadLog log = WorkloadLog.append(f, opts)) {
            for (int i = 0; i < (1 << 30) / chunk.length; i++) {
                Arrays.fill(chunk, (byte) ('a' + i % 26));
                log.write(i % 3 == 0 ? WorkloadLog.STDERR : WorkloadLog.STDOUT, chunk, 0, chunk.length);
            }
            log.stream(WorkloadLog.STDOUT).write("the end\n".getBytes());
        }
        long onDisk;
        try (Stream<Path> files = Files.list(dir)) {
            onDisk = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(onDisk <= opts.maxBytes(), onDisk + " bytes on disk, cap " + opts.maxBytes());
        assertEquals(List.of(RotatingFile.rotated(f, 2), RotatingFile.rotated(f, 1), f), RotatingFile.oldestFirst(f));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        WorkloadLog.copy(f, out, err, false, () -> false);
        assertTrue(out.toString().endsWith("the end\n"));
        long records = (onDisk - 13) / (chunk.length + 5) + 1; // full chunks, then "the end\n"
        assertEquals(
                onDisk - 5 * records, out.size() + err.size(), "every kept record is read, the rotated files' too");
        assertTrue(onDisk > 2 * opts.maxFileBytes(), "three files kept: " + onDisk);
    }

    /** A follower keeps reading across a rotation: nothing written after it started is lost. */
    @Test
    void followGoesOnAcrossRotation() throws Exception {
        LogOptions opts = LogOptions.DEFAULT.with("max-size=256k").with("max-file=2");
        Path f = dir.resolve("workload.log");
        byte[] line = new byte[1000];
        Arrays.fill(line, (byte) 'x');
        line[line.length - 1] = '\n';
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AtomicBoolean writing = new AtomicBoolean(true);
        try (WorkloadLog log = WorkloadLog.append(f, opts)) {
            log.write(WorkloadLog.STDOUT, line, 0, line.length);
            Thread follower = Thread.ofPlatform().start(() -> {
                try {
                    WorkloadLog.copy(f, out, OutputStream.nullOutputStream(), true, writing::get);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            for (int i = 1; i < 600; i++) { // about 2.3 rotations
                log.write(WorkloadLog.STDOUT, line, 0, line.length);
                if (i % 50 == 0) Thread.sleep(20);
            }
            Thread.sleep(200);
            writing.set(false);
            follower.join(10_000);
        }
        assertEquals(600 * line.length, out.size(), "lines followed");
    }

    @Test
    void logOptionsAreCheckedWithTheirName() {
        assertEquals(new LogOptions(10L << 20, 3), LogOptions.DEFAULT);
        assertEquals(5L << 30, LogOptions.DEFAULT.with("max-size=5g").maxFileBytes());
        assertEquals(300_000, LogOptions.DEFAULT.with("max-size=300000").maxFileBytes());
        assertEquals(1, LogOptions.DEFAULT.with("max-file=1").maxFiles());
        for (String bad : List.of(
                "max-size=1k",
                "max-size=ten",
                "max-size=",
                "max-file=0",
                "max-file=x",
                "mode=non-blocking",
                "max-size")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> LogOptions.DEFAULT.with(bad));
            assertTrue(
                    e.getMessage()
                            .contains(
                                    bad.contains("=")
                                            ? bad.substring(0, bad.indexOf('=')).replace("mode", "unknown")
                                            : "expected"),
                    bad + ": " + e.getMessage());
        }
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
