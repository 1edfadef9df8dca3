package io.jvmm.virtio.vsock;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.SimpleQueueEvent;
import io.jvmm.virtio.TestMemory;
import io.jvmm.virtio.mmio.MmioDriver;
import io.jvmm.virtio.mmio.MmioTransport;
import io.jvmm.virtio.queue.DriverQueue;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Plays Linux's virtio-vsock driver against a {@link VsockDevice}, one packet at a time. */
public final class GuestVsock implements AutoCloseable {
    public static final long CID = 3;
    static final int RX_BUF = VsockHeader.SIZE + 4096;

    /** A received packet. */
    public record Packet(VsockHeader header, byte[] payload) {}

    final GuestMemory mem = TestMemory.of(64 << 20);
    final DriverQueue rx = new DriverQueue(mem, 0x100000, 256); // each queue's buffers grow above it: 16 MiB apart
    final DriverQueue tx = new DriverQueue(mem, 0x1000000, 256);
    final DriverQueue ev = new DriverQueue(mem, 0x2000000, 16);
    public final VsockDevice device;
    final MmioTransport transport;
    final MmioDriver driver;
    private final Map<Integer, DriverQueue.Buf> rxBufs = new HashMap<>();
    private final ArrayDeque<Packet> received = new ArrayDeque<>();
    public int bufAlloc = 256 * 1024;
    public int fwdCnt;
    /** One tx buffer, reused: {@link #sendRaw} waits until the device has consumed each packet. */
    private final DriverQueue.Buf txBuf = tx.out(new byte[VsockHeader.SIZE + VsockConnection.MAX_PAYLOAD]);

    public GuestVsock(int rxBuffers) {
        this(rxBuffers, VsockDevice.DEFAULT_BUFFER_BUDGET);
    }

    /** A guest of a device whose connection buffers may hold {@code bufferBudget} bytes together. */
    public GuestVsock(int rxBuffers, long bufferBudget) {
        device = new VsockDevice(CID, bufferBudget);
        transport = new MmioTransport(
                device, mem, List.of(new SimpleQueueEvent(), new SimpleQueueEvent(), new SimpleQueueEvent()), () -> {});
        driver = new MmioDriver(transport);
        driver.start(0, rx, tx, ev);
        postRx(rxBuffers);
    }

    public void postRx(int n) {
        for (int i = 0; i < n; i++) {
            DriverQueue.Buf b = rx.in(RX_BUF);
            rxBufs.put(rx.add(b), b);
        }
        driver.notifyQueue(VsockDevice.RX);
    }

    public VsockHeader header(int srcPort, int dstPort, int op, int flags, int len) {
        return new VsockHeader(
                CID, VsockHeader.HOST_CID, srcPort, dstPort, len, VsockHeader.TYPE_STREAM, op, flags, bufAlloc, fwdCnt);
    }

    /** Sends one packet and waits until the device consumed it. */
    public void send(VsockHeader h, byte[] payload) {
        byte[] pkt = Arrays.copyOf(h.encode(), VsockHeader.SIZE + payload.length);
        System.arraycopy(payload, 0, pkt, VsockHeader.SIZE, payload.length);
        sendRaw(pkt);
    }

    public void send(int srcPort, int dstPort, int op) {
        send(header(srcPort, dstPort, op, 0, 0), new byte[0]);
    }

    public void sendRaw(byte[] pkt) {
        DriverQueue.Buf b =
                pkt.length <= txBuf.length() ? new DriverQueue.Buf(txBuf.address(), pkt.length, false) : tx.out(pkt);
        mem.write(b.address(), pkt);
        int head = tx.add(b);
        driver.notifyQueue(VsockDevice.TX);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            DriverQueue.Used u = tx.nextUsed();
            if (u != null) {
                assertEquals(head, u.id());
                return;
            }
            assertTrue(System.nanoTime() < deadline, "tx packet not consumed");
            Thread.onSpinWait();
        }
    }

    /** The next packet from the device, or fails after {@code millis}. Reposts the buffer. */
    public Packet receive(long millis) {
        Packet p = poll(millis);
        assertNotNull(p, "no packet from the device within " + millis + " ms");
        return p;
    }

    /** The next packet or null after {@code millis} (0: only one already there). */
    public Packet poll(long millis) {
        if (!received.isEmpty()) return received.poll();
        return pollRing(millis);
    }

    /**
     * The next packet to guest port {@code guestPort}, or fails after {@code millis}; packets to other
     * ports that come first stay queued, in order, for {@link #poll}.
     */
    public Packet receiveFor(int guestPort, long millis) {
        for (Iterator<Packet> it = received.iterator(); it.hasNext(); ) {
            Packet p = it.next();
            if (p.header().dstPort() == guestPort) {
                it.remove();
                return p;
            }
        }
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (true) {
            Packet p = pollRing(Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
            assertNotNull(p, "no packet to guest port " + guestPort + " within " + millis + " ms");
            if (p.header().dstPort() == guestPort) return p;
            received.add(p);
        }
    }

    private Packet pollRing(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        do {
            DriverQueue.Used u = rx.nextUsed();
            if (u != null) {
                DriverQueue.Buf b = rxBufs.remove(u.id());
                byte[] data = Arrays.copyOf(rx.read(b), u.length());
                rxBufs.put(rx.add(b), b); // the device gave it back: post it again
                driver.notifyQueue(VsockDevice.RX);
                if (u.length() < VsockHeader.SIZE) continue;
                VsockHeader h = VsockHeader.parse(Arrays.copyOf(data, VsockHeader.SIZE));
                assertEquals(VsockHeader.SIZE + h.len(), u.length(), "used length = header + len");
                return new Packet(h, Arrays.copyOfRange(data, VsockHeader.SIZE, u.length()));
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        return null;
    }

    /** Skips credit updates; returns the next other packet. */
    public Packet receiveIgnoringCredit(long millis) {
        while (true) {
            Packet p = receive(millis);
            if (p.header().op() != VsockHeader.OP_CREDIT_UPDATE) return p;
        }
    }

    @Override
    public void close() {
        transport.close();
    }
}
