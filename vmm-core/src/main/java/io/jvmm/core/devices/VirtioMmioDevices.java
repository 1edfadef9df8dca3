package io.jvmm.core.devices;

import io.jvmm.core.arch.x86.Layout;
import io.jvmm.core.bus.Bus;
import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.irq.InterruptPins;
import io.jvmm.files.Closeables;
import io.jvmm.kvm.VmFd;
import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.InterruptLine;
import io.jvmm.virtio.QueueEvent;
import io.jvmm.virtio.VirtioDevice;
import io.jvmm.virtio.mmio.MmioRegisters;
import io.jvmm.virtio.mmio.MmioTransport;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The VM's virtio-mmio devices: gives each a 4 KiB window from {@link Layout#MMIO_DEVICES_START} and
 * an IOAPIC pin from {@link #FIRST_IRQ}, wires its queue notifications through KVM (ioeventfd on
 * QueueNotify) or the vCPU exit path and its interrupt to the interrupt controller's pin (an irqfd
 * with KVM's in-kernel IOAPIC, an MSI from jvmm's own), and announces it to
 * Linux with a {@code virtio_mmio.device=4K@ADDR:IRQ} command-line token.
 *
 * <p>Owns the transports, eventfds and KVM bindings it creates; {@link #close()} stops every device
 * thread before it releases them, and must run before guest RAM is unmapped.
 */
public final class VirtioMmioDevices implements AutoCloseable {
    /** Looked up on first use, as Vm's: System.getLogger bootstraps java.util.logging. */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(VirtioMmioDevices.class.getName());
    }
    // A line that will not close is only worth a debug line: the device is going away either way.
    private static final Consumer<Exception> LOG_CLOSE_FAILURE =
            e -> Log.LOG.log(Level.DEBUG, "closing: {0}", e.toString());
    /** IRQ 4 is COM1; 5..23 are free on the IOAPIC (Firecracker uses the same range). */
    public static final int FIRST_IRQ = 5, LAST_IRQ = 23;

    /** One attached device with everything that must be released with it. */
    public record Slot(
            VirtioDevice device,
            MmioTransport transport,
            long base,
            int irq,
            List<QueueEvent> events,
            boolean ioeventfd,
            AutoCloseable line) {
        /** The token that declares the device to Linux. */
        public String cmdlineToken() {
            return "virtio_mmio.device=4K@0x" + Long.toHexString(base) + ":" + irq;
        }
    }

    private final VmFd vm;
    private final GuestMemory memory;
    private final Bus mmio;
    private final InterruptPins pins;
    private final boolean kvmNotify;
    private final List<Slot> slots = new ArrayList<>();
    private boolean closed;

    /**
     * @param pins      the interrupt controller's inputs; each device gets an edge line of its pin
     * @param kvmNotify use KVM_IOEVENTFD for queue notifications; false routes them through the
     *                  vCPU's MMIO exit
     */
    public VirtioMmioDevices(VmFd vm, GuestMemory memory, Bus mmio, InterruptPins pins, boolean kvmNotify) {
        this.vm = vm;
        this.memory = memory;
        this.mmio = mmio;
        this.pins = pins;
        this.kvmNotify = kvmNotify;
    }

    /**
     * Attaches {@code device} at the next free window and IRQ; the set takes ownership (closing the
     * device on failure too).
     */
    public synchronized Slot attach(VirtioDevice device) {
        if (closed) throw new IllegalStateException("devices are closed");
        int index = slots.size();
        int irq = FIRST_IRQ + index;
        if (irq > LAST_IRQ) {
            device.close();
            throw new IllegalStateException(
                    "no free IRQ for " + device.name() + ": at most " + (LAST_IRQ - FIRST_IRQ + 1) + " virtio devices");
        }
        long base = Layout.MMIO_DEVICES_START + index * MmioRegisters.WINDOW_SIZE;
        List<QueueEvent> events = new ArrayList<>();
        AutoCloseable lineResource = null;
        boolean ioeventfds = false;
        try {
            for (int q = 0; q < device.queueCount(); q++) events.add(new EventFdQueueEvent());
            if (kvmNotify) {
                for (int q = 0; q < events.size(); q++) {
                    vm.ioeventfd(
                            base + MmioRegisters.QUEUE_NOTIFY,
                            4,
                            ((EventFdQueueEvent) events.get(q)).fd(),
                            false,
                            (long) q,
                            false);
                }
                ioeventfds = true;
            }
            InterruptLine line = pins.edgeLine(irq);
            if (line instanceof AutoCloseable c) lineResource = c;
            MmioTransport transport = new MmioTransport(device, memory, events, line);
            mmio.register(base, MmioRegisters.WINDOW_SIZE, "virtio-mmio " + device.name(), new BusDevice() {
                @Override
                public void read(long offset, MemorySegment data) {
                    transport.read(offset, data);
                }

                @Override
                public void write(long offset, MemorySegment data) {
                    transport.write(offset, data);
                }
            });
            Slot slot = new Slot(device, transport, base, irq, List.copyOf(events), ioeventfds, lineResource);
            slots.add(slot);
            return slot;
        } catch (RuntimeException e) {
            device.close();
            if (ioeventfds) unbindIoeventfds(base, events);
            Closeables.closeQuietly(lineResource, LOG_CLOSE_FAILURE);
            events.forEach(QueueEvent::close);
            throw e;
        }
    }

    public synchronized List<Slot> slots() {
        return List.copyOf(slots);
    }

    /** The {@code virtio_mmio.device=} tokens of every attached device, in attach order. */
    public synchronized List<String> cmdlineTokens() {
        return slots.stream().map(Slot::cmdlineToken).toList();
    }

    private void unbindIoeventfds(long base, List<QueueEvent> events) {
        for (int q = 0; q < events.size(); q++) {
            try {
                vm.ioeventfd(
                        base + MmioRegisters.QUEUE_NOTIFY,
                        4,
                        ((EventFdQueueEvent) events.get(q)).fd(),
                        false,
                        (long) q,
                        true);
            } catch (RuntimeException e) {
                Log.LOG.log(Level.DEBUG, "unbinding ioeventfd: {0}", e.toString());
            }
        }
    }

    /** Pauses every device: their threads finish the request at hand and stop (see VirtioDevice.pause). */
    public synchronized void pause() {
        for (Slot s : slots) s.transport().pause();
    }

    public synchronized void resume() {
        for (Slot s : slots) s.transport().resume();
    }

    /** Stops every device (their threads are joined), then releases eventfds and KVM bindings. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (int i = slots.size() - 1; i >= 0; i--) {
            Slot s = slots.get(i);
            try {
                s.transport().close();
            } catch (RuntimeException e) {
                Log.LOG.log(Level.WARNING, "closing {0}: {1}", s.device().name(), e.toString());
            }
            if (s.ioeventfd()) unbindIoeventfds(s.base(), s.events());
            Closeables.closeQuietly(s.line(), LOG_CLOSE_FAILURE);
            s.events().forEach(QueueEvent::close);
        }
    }
}
