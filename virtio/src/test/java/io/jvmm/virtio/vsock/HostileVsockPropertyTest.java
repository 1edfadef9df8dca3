package io.jvmm.virtio.vsock;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.virtio.DeviceFailures;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A hostile vsock guest: random packets (any op, ports, CIDs, types, flags, credit fields, payload
 * lengths that lie) mixed with host listeners and connects. The device must keep answering, never
 * fail its threads on anything but a guest protocol error, keep its connection table bounded
 * by what was actually opened, and never charge its buffers more than their budget (sometimes one
 * so small that most connections get no credit).
 */
class HostileVsockPropertyTest {
    @Property(tries = 100)
    void randomPacketsNeverBreakTheDevice(@ForAll long seed) throws Exception {
        int failures = DeviceFailures.mark();
        Random r = new Random(seed);
        long budget = r.nextBoolean()
                ? VsockDevice.DEFAULT_BUFFER_BUDGET
                : (2 + r.nextInt(3)) * (long) VsockConnection.BUF_ALLOC;
        List<Thread> writers = new ArrayList<>();
        try (GuestVsock guest = new GuestVsock(32, budget)) {
            VsockListener l = guest.device.listen(1000 + r.nextInt(3));
            int[] ports = {1000, 1001, 1002, 5000, 5001, 49152, r.nextInt()};
            int[] ops = {
                VsockHeader.OP_REQUEST,
                VsockHeader.OP_RESPONSE,
                VsockHeader.OP_RST,
                VsockHeader.OP_SHUTDOWN,
                VsockHeader.OP_RW,
                VsockHeader.OP_CREDIT_UPDATE,
                VsockHeader.OP_CREDIT_REQUEST,
                r.nextInt(65536)
            };
            for (int step = 0; step < 60; step++) {
                int op = ops[r.nextInt(ops.length)];
                int payload = r.nextInt(4) == 0 ? r.nextInt(5000) : r.nextInt(64);
                int len = r.nextInt(5) == 0 ? r.nextInt() : payload; // sometimes a lying length
                long src = r.nextInt(10) == 0 ? r.nextLong() : GuestVsock.CID;
                long dst = r.nextInt(10) == 0 ? r.nextLong() : VsockHeader.HOST_CID;
                int type = r.nextInt(10) == 0 ? r.nextInt(65536) : VsockHeader.TYPE_STREAM;
                VsockHeader h = new VsockHeader(
                        src,
                        dst,
                        ports[r.nextInt(ports.length)],
                        ports[r.nextInt(ports.length)],
                        len,
                        type,
                        op,
                        r.nextInt(4),
                        r.nextInt(),
                        r.nextInt());
                byte[] data = new byte[payload];
                r.nextBytes(data);
                guest.send(h, data);
                if (r.nextInt(8) == 0) {
                    // The host side acts too: accept what came, write (on a thread of its own: with
                    // the budget in use the write waits), close.
                    boolean write = r.nextBoolean(), close = r.nextBoolean();
                    byte[] out = new byte[r.nextInt(3000)];
                    l.accept(Duration.ZERO).ifPresent(s -> {
                        if (write)
                            writers.add(Thread.ofPlatform().start(() -> {
                                try {
                                    s.output().write(out);
                                } catch (IOException ignored) {
                                    // the guest reset it, or the device was: fine
                                }
                            }));
                        if (close) s.close();
                    });
                }
                while (guest.poll(0) != null) {} // drain whatever the device answered
                VsockMuxer muxer = guest.device.muxer();
                assertTrue(muxer.bufferBytes() <= budget, "charged " + muxer.bufferBytes() + " of " + budget);
                assertTrue(muxer.heldBufferBytes() <= muxer.bufferBytes(), "held more than charged");
            }
            // Still alive: a clean connect is answered.
            guest.send(7777, l.port(), VsockHeader.OP_REQUEST);
            GuestVsock.Packet p;
            do {
                p = guest.receive(2000);
            } while (p.header().dstPort() != 7777);
            assertEquals(VsockHeader.OP_RESPONSE, p.header().op());
            assertTrue(guest.device.connectionCount() <= 61, "connections: " + guest.device.connectionCount());
        }
        for (Thread t : writers) {
            t.join(5000);
            assertFalse(t.isAlive(), "a host write still waits after the device was reset");
        }
        assertEquals(
                List.of(),
                DeviceFailures.since(failures),
                "a device thread failed on something other than a guest protocol error");
    }
}
