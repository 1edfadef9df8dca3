package io.jvmm.virtio;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.virtio.queue.DriverQueue;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hostile-guest property tests rely on DeviceFailures seeing a device thread that failed. */
class DeviceFailuresTest {
    @Test
    void aDeviceThreadFailingOnAHostErrorIsRecorded() throws Exception {
        int mark = DeviceFailures.mark();
        var mem = TestMemory.of(1 << 20);
        var q = new DriverQueue(mem, 0x1000, 8).deviceQueue(false, false);
        SimpleQueueEvent event = new SimpleQueueEvent();
        DeviceContext ctx = new DeviceContext(mem, 0, List.of(q), List.of(event), new RecordingInterrupt(), why -> {});
        DeviceWorker w = DeviceWorker.start("virtio-test", ctx, event, self -> {
            throw new IndexOutOfBoundsException("outside guest RAM");
        });
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (DeviceFailures.since(mark).isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
        w.stop();
        List<String> got = DeviceFailures.since(mark);
        assertEquals(1, got.size(), got.toString());
        assertTrue(got.get(0).contains("outside guest RAM"), got.get(0));
    }
}
