package io.jvmm.runtime.vmproc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An attached client that stops reading costs the workload nothing: it is queued for, then dropped. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AttachOutputTest {
    /** A client connection that accepts nothing until it is closed, like a socket whose peer stopped reading. */
    private static final class StalledClient extends OutputStream {
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("closed");
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    @Test
    void aStalledClientNeverBlocksTheWriterAndIsDroppedWhenFarBehind() throws Exception {
        StalledClient client = new StalledClient();
        AttachOutput a = new AttachOutput(client, "attach-test");
        byte[] record = new byte[64 << 10];
        int accepted = 0;
        // On the caller's thread, as the workload's output path calls it: each offer returns at once.
        for (int i = 0; i < 200; i++) {
            if (!a.offer(record)) break;
            accepted++;
        }
        assertTrue(accepted >= AttachOutput.MAX_PENDING / record.length - 1 && accepted < 200, "accepted " + accepted);
        assertTrue(a.isClosed(), "dropped");
        assertTrue(client.closed.await(5, TimeUnit.SECONDS), "its connection was closed");
        assertFalse(a.offer(new byte[1]));
    }

    @Test
    void aReadingClientGetsEveryRecordInOrder() throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        AttachOutput a = new AttachOutput(got, "attach-test");
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 1000; i++) {
            byte[] r = ("record " + i + "\n").getBytes();
            assertTrue(a.offer(r));
            expected.write(r);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (got.size() < expected.size() && System.nanoTime() < deadline) Thread.sleep(5);
        assertArrayEquals(expected.toByteArray(), got.toByteArray());
        a.close();
        assertFalse(a.offer(new byte[1]), "closed");
    }

    @Test
    void aClientThatWentAwayIsNotOfferedMore() throws Exception {
        OutputStream gone = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("broken pipe");
            }
        };
        AttachOutput a = new AttachOutput(gone, "attach-test");
        a.offer(new byte[10]);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!a.isClosed() && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(a.isClosed());
        assertFalse(a.offer(new byte[10]));
    }
}
