package io.jvmm.virtio.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.virtio.TestMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class QueueDrainTest {
    private static final long LONG_POLL = TimeUnit.MINUTES.toNanos(10);

    private final DriverQueue driver = new DriverQueue(TestMemory.of(1 << 20), 0x1000, 16);
    private final Virtqueue q = driver.deviceQueue(false, false);
    /** Sizes of the batches served, and the used.flags the driver saw while each was served. */
    private final List<Integer> batches = new ArrayList<>();

    private final List<Integer> flagsWhileServing = new ArrayList<>();
    private int notifies;
    private boolean running = true;

    private List<Integer> addChains(int n) {
        List<Integer> heads = new ArrayList<>();
        for (int i = 0; i < n; i++) heads.add(driver.add(driver.out("r" + i), driver.in(4)));
        return heads;
    }

    /** Returns each chain with its head as the used length, so the used ring shows what was served. */
    private void serve(List<DescriptorChain> batch) {
        batches.add(batch.size());
        flagsWhileServing.add(driver.usedFlags());
        for (DescriptorChain c : batch) q.addUsed(c.head(), c.head());
    }

    private List<Integer> usedHeads() {
        return driver.drainUsed().stream().map(DriverQueue.Used::id).toList();
    }

    @Test
    void servesEveryChainInRingOrderInBatchesThenNotifiesOnce() throws Exception {
        List<Integer> heads = addChains(5);
        new QueueDrain(q, "test", 2, 0).drain(() -> running, () -> notifies++, this::serve);
        assertEquals(List.of(2, 2, 1), batches);
        assertEquals(heads, usedHeads());
        assertEquals(1, notifies, "one interrupt decision when the queue ran dry");
        assertEquals(
                List.of(
                        Virtqueue.VIRTQ_USED_F_NO_NOTIFY,
                        Virtqueue.VIRTQ_USED_F_NO_NOTIFY,
                        Virtqueue.VIRTQ_USED_F_NO_NOTIFY),
                flagsWhileServing,
                "the driver is asked not to kick while the device drains");
        assertEquals(0, driver.usedFlags(), "kicks are wanted again once the queue is empty");
    }

    @Test
    void anEmptyQueueServesNothing() throws Exception {
        new QueueDrain(q, "test", 4, 0).drain(() -> running, () -> notifies++, this::serve);
        assertEquals(List.of(), batches);
        assertEquals(1, notifies);
    }

    @Test
    void aChainAddedAfterTheQueueRanDryIsServedInTheSameRound() throws Exception {
        List<Integer> heads = new ArrayList<>(addChains(1));
        // The driver adds one more right after the interrupt decision, before notifications are back on.
        Runnable notify = () -> {
            if (notifies++ == 0) heads.addAll(addChains(1));
        };
        new QueueDrain(q, "test", 4, 0).drain(() -> running, notify, this::serve);
        assertEquals(heads, usedHeads());
        assertEquals(2, notifies);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang guard: the poll must end
    void aRequestThatComesWhilePollingIsServedWithoutAKickAndStoppingEndsThePoll() throws Exception {
        // With EVENT_IDX, turning kicks back on writes avail_event: it stays 0 while the device polls.
        Virtqueue eventIdx = driver.deviceQueue(true, false);
        List<Integer> heads = new ArrayList<>(addChains(1));
        Runnable notify = () -> {
            if (notifies++ == 0) heads.addAll(addChains(1));
            else running = false;
        };
        new QueueDrain(eventIdx, "test", 4, LONG_POLL).drain(() -> running, notify, batch -> {
            batches.add(batch.size());
            for (DescriptorChain c : batch) eventIdx.addUsed(c.head(), c.head());
        });
        assertEquals(heads, usedHeads());
        assertEquals(List.of(1, 1), batches);
        assertEquals(0, driver.availEvent(), "kicks were not turned back on between the two requests");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang guard, as above
    void stoppingServesWhatWasTakenAndLeavesTheRestOnTheRing() throws Exception {
        List<Integer> heads = addChains(5);
        QueueDrain drain = new QueueDrain(q, "test", 2, LONG_POLL);
        drain.drain(() -> running, () -> notifies++, batch -> {
            serve(batch);
            running = false;
        });
        assertEquals(List.of(2), batches);
        assertEquals(heads.subList(0, 2), usedHeads());
        assertTrue(q.hasAvailable(), "the other chains wait for the next round");

        running = true;
        drain.drain(() -> running, () -> running = false, this::serve);
        assertEquals(heads.subList(2, 5), usedHeads());
    }

    @Test
    void aRefusedChainGoesBackEmptyAndIsNotServed() throws Exception {
        int good = addChains(1).getFirst();
        driver.writeDesc(15, 0x1000_0000L, 16, 0, 0); // a buffer outside guest RAM
        driver.publish(15);
        new QueueDrain(q, "test", 4, 0).drain(() -> running, () -> notifies++, this::serve);
        assertEquals(List.of(1), batches);
        // Refused as it is popped, before the batch it would have joined is served.
        assertEquals(List.of(new DriverQueue.Used(15, 0), new DriverQueue.Used(good, good)), driver.drainUsed());
    }

    @Test
    void aBatchTakesAtLeastOneChain() {
        assertThrows(IllegalArgumentException.class, () -> new QueueDrain(q, "test", 0, 0));
    }
}
