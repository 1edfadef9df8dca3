package io.jvmm.virtio.queue;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.TestMemory;
import io.jvmm.virtio.VirtioProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VirtqueueTest {
    private final GuestMemory mem = TestMemory.of(1 << 20);
    private final DriverQueue driver = new DriverQueue(mem, 0x1000, 16);

    @Test
    void emptyQueuePopsNothing() {
        Virtqueue q = driver.deviceQueue(false, false);
        assertNull(q.pop());
        assertFalse(q.hasAvailable());
    }

    @Test
    void popReturnsReadableThenWritableBuffers() {
        Virtqueue q = driver.deviceQueue(false, false);
        int head = driver.add(driver.out("hello "), driver.out("world"), driver.in(8), driver.in(4));
        DescriptorChain c = q.pop();
        assertEquals(head, c.head());
        assertEquals(4, c.descriptors().size());
        assertEquals(11, c.readable().length());
        assertEquals(12, c.writable().length());
        assertEquals("hello world", new String(c.readable().readBytes(0, 11), StandardCharsets.UTF_8));
        assertEquals("lo wo", new String(c.readable().readBytes(3, 5), StandardCharsets.UTF_8));
        assertNull(q.pop());
    }

    @Test
    void writesSpanDescriptors() {
        Virtqueue q = driver.deviceQueue(false, false);
        DriverQueue.Buf a = driver.in(3), b = driver.in(5);
        driver.add(a, b);
        DescriptorChain c = q.pop();
        c.writable().write(1, "abcdef".getBytes(StandardCharsets.UTF_8));
        c.writable().writeByte(7, (byte) 'z');
        assertArrayEquals(new byte[] {(byte) 0xee, 'a', 'b'}, driver.read(a));
        assertArrayEquals("cdefz".getBytes(StandardCharsets.UTF_8), driver.read(b));
        assertThrows(IndexOutOfBoundsException.class, () -> c.writable().writeByte(8, (byte) 0));
    }

    @Test
    void longChainsKeepEveryDescriptorInOrder() {
        // Longer than the queue's first working space, then a short chain after it: the space grows,
        // and nothing of the long chain leaks into the next one.
        DriverQueue big = new DriverQueue(mem, 0x1000, 256);
        Virtqueue q = big.deviceQueue(false, true);
        DriverQueue.Buf[] bufs = new DriverQueue.Buf[100];
        for (int i = 0; i < bufs.length; i++) bufs[i] = i < 40 ? big.out(new byte[] {(byte) i}) : big.in(i);
        big.addIndirect(bufs);
        big.add(big.out("x"), big.in(2));
        DescriptorChain c = q.pop();
        assertEquals(bufs.length, c.descriptors().size());
        for (int i = 0; i < bufs.length; i++) {
            Descriptor d = c.descriptors().get(i);
            assertEquals(new Descriptor(bufs[i].address(), bufs[i].length(), bufs[i].writable()), d, "descriptor " + i);
        }
        assertEquals(40, c.readable().length());
        assertEquals(39, c.readable().readBytes(39, 1)[0]);
        long writable = 0;
        for (int i = 40; i < bufs.length; i++) writable += i;
        assertEquals(writable, c.writable().length());
        DescriptorChain next = q.pop();
        assertEquals(2, next.descriptors().size());
        assertEquals(1, next.readable().length());
        assertEquals(2, next.writable().length());
        assertThrows(IndexOutOfBoundsException.class, () -> next.descriptors().get(2));
    }

    @Test
    void indirectTableIsFlattened() {
        Virtqueue q = driver.deviceQueue(false, true);
        int head = driver.addIndirect(driver.out("hdr"), driver.in(10), driver.in(1));
        DescriptorChain c = q.pop();
        assertEquals(head, c.head());
        assertEquals(3, c.descriptors().size());
        assertEquals(3, c.readable().length());
        assertEquals(11, c.writable().length());
    }

    @Test
    void indirectWithoutTheFeatureIsRefused() {
        Virtqueue q = driver.deviceQueue(false, false);
        int head = driver.addIndirect(driver.out("x"));
        InvalidChainException e = assertThrows(InvalidChainException.class, q::pop);
        assertEquals(head, e.head());
    }

    @Test
    void loopIsRefusedAndTheQueueGoesOn() {
        Virtqueue q = driver.deviceQueue(false, false);
        long buf = driver.alloc(8);
        driver.writeDesc(0, buf, 8, Virtqueue.VIRTQ_DESC_F_NEXT, 1);
        driver.writeDesc(1, buf, 8, Virtqueue.VIRTQ_DESC_F_NEXT, 0);
        driver.publish(0);
        InvalidChainException e = assertThrows(InvalidChainException.class, q::pop);
        assertEquals(0, e.head());
        assertTrue(e.getMessage().contains("loop"), e.getMessage());
        // popValid returns it with length 0 and moves on
        driver.publish(0);
        assertNull(q.popValid("test"));
        assertEquals(new DriverQueue.Used(0, 0), driver.nextUsed());
    }

    @Test
    void selfLoopInIndirectTableIsRefused() {
        Virtqueue q = driver.deviceQueue(false, true);
        long table = driver.alloc(32);
        long buf = driver.alloc(8);
        mem.writeLong(table, buf);
        mem.writeInt(table + 8, 8);
        mem.writeShort(table + 12, (short) Virtqueue.VIRTQ_DESC_F_NEXT);
        mem.writeShort(table + 14, (short) 0);
        driver.writeDesc(3, table, 32, Virtqueue.VIRTQ_DESC_F_INDIRECT, 0);
        driver.publish(3);
        assertThrows(InvalidChainException.class, q::pop);
    }

    @Test
    void bufferOutsideRamIsRefused() {
        Virtqueue q = driver.deviceQueue(false, false);
        driver.writeDesc(0, (1 << 20) - 4, 8, 0, 0);
        driver.publish(0);
        assertThrows(InvalidChainException.class, q::pop);
        driver.writeDesc(1, -8, 16, 0, 0); // wraps around the address space
        driver.publish(1);
        assertThrows(InvalidChainException.class, q::pop);
    }

    @Test
    void nextBeyondTableIsRefused() {
        Virtqueue q = driver.deviceQueue(false, false);
        driver.writeDesc(0, driver.alloc(8), 8, Virtqueue.VIRTQ_DESC_F_NEXT, 16);
        driver.publish(0);
        assertThrows(InvalidChainException.class, q::pop);
    }

    @Test
    void readableAfterWritableIsRefused() {
        Virtqueue q = driver.deviceQueue(false, false);
        driver.add(driver.in(4), driver.out("x"));
        assertThrows(InvalidChainException.class, q::pop);
    }

    @Test
    void nestedOrChainedIndirectIsRefused() {
        Virtqueue q = driver.deviceQueue(false, true);
        long inner = driver.alloc(16);
        long outer = driver.alloc(16);
        mem.writeLong(outer, inner);
        mem.writeInt(outer + 8, 16);
        mem.writeShort(outer + 12, (short) Virtqueue.VIRTQ_DESC_F_INDIRECT);
        driver.writeDesc(0, outer, 16, Virtqueue.VIRTQ_DESC_F_INDIRECT, 0);
        driver.publish(0);
        assertThrows(InvalidChainException.class, q::pop);
        driver.writeDesc(1, outer, 16, Virtqueue.VIRTQ_DESC_F_INDIRECT | Virtqueue.VIRTQ_DESC_F_NEXT, 2);
        driver.publish(1);
        assertThrows(InvalidChainException.class, q::pop);
    }

    @Test
    void badIndirectTableSizesAreRefused() {
        Virtqueue q = driver.deviceQueue(false, true);
        for (int len : new int[] {0, 15, 17, 16 * (Virtqueue.MAX_INDIRECT + 1)}) {
            driver.writeDesc(0, driver.alloc(16), len, Virtqueue.VIRTQ_DESC_F_INDIRECT, 0);
            driver.publish(0);
            assertThrows(InvalidChainException.class, q::pop, "indirect length " + len);
        }
    }

    @Test
    void headOutOfRangeBreaksTheQueue() {
        Virtqueue q = driver.deviceQueue(false, false);
        driver.publish(16);
        assertThrows(VirtioProtocolException.class, q::pop);
    }

    @Test
    void availIdxTooFarAheadBreaksTheQueue() {
        Virtqueue q = driver.deviceQueue(false, false);
        driver.setAvailIdx(17);
        VirtioProtocolException e = assertThrows(VirtioProtocolException.class, q::pop);
        assertFalse(e instanceof InvalidChainException);
    }

    @Test
    void indicesWrapAt65536() {
        Virtqueue q = Virtqueue.restore(mem, driver.config(), false, false, 0xffff, 0xffff);
        driver.setAvailIdx(0xffff);
        long buf = driver.alloc(4);
        driver.writeDesc(5, buf, 4, Virtqueue.VIRTQ_DESC_F_WRITE, 0);
        mem.writeShort(driver.config().availRing() + 4 + 2 * (0xffff % 16), (short) 5);
        driver.setAvailIdx(0);
        DescriptorChain c = q.pop();
        assertEquals(5, c.head());
        q.addUsed(5, 4);
        assertEquals(0, driver.usedIdx());
        assertEquals(0, q.nextAvail());
    }

    @Test
    void creationChecksRingsAndSize() {
        assertThrows(
                VirtioProtocolException.class,
                () -> Virtqueue.create(mem, new QueueConfig(12, 0x1000, 0x2000, 0x3000), false, false));
        assertThrows(
                VirtioProtocolException.class,
                () -> Virtqueue.create(mem, new QueueConfig(0, 0x1000, 0x2000, 0x3000), false, false));
        assertThrows(
                VirtioProtocolException.class,
                () -> Virtqueue.create(mem, new QueueConfig(65536, 0x1000, 0x2000, 0x3000), false, false));
        assertThrows(
                VirtioProtocolException.class,
                () -> Virtqueue.create(mem, new QueueConfig(16, 0x1008, 0x2000, 0x3000), false, false));
        assertThrows(
                VirtioProtocolException.class,
                () -> Virtqueue.create(mem, new QueueConfig(16, 0x1000, 0x2001, 0x3000), false, false));
        assertThrows(
                VirtioProtocolException.class,
                () -> Virtqueue.create(mem, new QueueConfig(16, 0x1000, 0x2000, 0x3002), false, false));
        assertThrows(
                VirtioProtocolException.class,
                () -> Virtqueue.create(mem, new QueueConfig(16, 0x1000, 0x2000, (1 << 20) - 8), false, false));
    }

    @Test
    void usedRingCarriesIdAndLength() {
        Virtqueue q = driver.deviceQueue(false, false);
        int h1 = driver.add(driver.in(4));
        int h2 = driver.add(driver.in(4));
        q.addUsed(q.pop().head(), 3);
        q.addUsed(q.pop().head(), 4);
        assertEquals(new DriverQueue.Used(h1, 3), driver.nextUsed());
        assertEquals(new DriverQueue.Used(h2, 4), driver.nextUsed());
    }

    @Test
    void noInterruptFlagSuppressesNotifications() {
        Virtqueue q = driver.deviceQueue(false, false);
        driver.add(driver.in(1));
        q.addUsed(q.pop().head(), 1);
        assertTrue(q.needsNotification());
        assertFalse(q.needsNotification(), "nothing new since the last check");
        driver.setAvailFlags(Virtqueue.VIRTQ_AVAIL_F_NO_INTERRUPT);
        driver.add(driver.in(1));
        q.addUsed(q.pop().head(), 1);
        assertFalse(q.needsNotification());
    }

    @Test
    void eventIdxNotifiesWhenUsedIdxPassesUsedEvent() {
        Virtqueue q = driver.deviceQueue(true, false);
        driver.setUsedEvent(2); // the driver wants to hear once the third buffer is used
        for (int i = 0; i < 4; i++) driver.add(driver.in(1));
        q.addUsed(q.pop().head(), 1);
        assertFalse(q.needsNotification()); // used.idx 1
        q.addUsed(q.pop().head(), 1);
        assertFalse(q.needsNotification()); // used.idx 2
        q.addUsed(q.pop().head(), 1);
        assertTrue(q.needsNotification()); // used.idx 3 stepped over used_event 2
        q.addUsed(q.pop().head(), 1);
        assertFalse(q.needsNotification()); // already signalled past 2
    }

    @Test
    void notificationControlWritesFlagsOrAvailEvent() {
        Virtqueue plain = driver.deviceQueue(false, false);
        plain.disableNotification();
        assertEquals(Virtqueue.VIRTQ_USED_F_NO_NOTIFY, driver.usedFlags());
        assertFalse(plain.enableNotification());
        assertEquals(0, driver.usedFlags());

        DriverQueue d2 = new DriverQueue(mem, 0x40000, 16);
        Virtqueue ev = d2.deviceQueue(true, false);
        d2.add(d2.in(1));
        d2.add(d2.in(1));
        ev.pop();
        assertTrue(ev.enableNotification(), "one chain still available");
        assertEquals(1, d2.availEvent());
        ev.pop();
        assertFalse(ev.enableNotification());
        assertEquals(2, d2.availEvent());
    }
}
