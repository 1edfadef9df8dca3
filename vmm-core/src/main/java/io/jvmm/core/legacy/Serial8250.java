package io.jvmm.core.legacy;

import io.jvmm.core.bus.BusDevice;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;

/**
 * A 16550A UART (8250 family), the guest's console: 8 registers at 0x3f8, IRQ 4.
 *
 * <p>Transmission is instantaneous (a byte written to THR goes straight to {@code out}), so THR and
 * the shift register are always empty. Interrupt priorities follow the 16550 datasheet (line status,
 * received data, THR empty, modem status); the line level is recomputed after every access, as the
 * Linux 8250 driver expects from real hardware. Modem control loopback is supported because the
 * driver's autoconfig tests it.
 */
public final class Serial8250 implements BusDevice {
    public static final int COM1 = 0x3f8;
    public static final int COM1_IRQ = 4;

    private static final int RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;
    private static final int IER_RDI = 0x01, IER_THRI = 0x02, IER_RLSI = 0x04, IER_MSI = 0x08;
    private static final int IIR_NO_INT = 0x01, IIR_MSI = 0x00, IIR_THRI = 0x02, IIR_RDI = 0x04, IIR_RLSI = 0x06;
    private static final int IIR_FIFO_ENABLED = 0xc0;
    private static final int LCR_DLAB = 0x80;
    private static final int LSR_DR = 0x01, LSR_OE = 0x02, LSR_THRE = 0x20, LSR_TEMT = 0x40;
    private static final int MCR_LOOP = 0x10;
    private static final int MSR_DELTA_MASK = 0x0f;
    private static final int FIFO_SIZE = 64;

    private final OutputStream out;
    private final IrqLine irq;
    private final ArrayDeque<Byte> rx = new ArrayDeque<>();
    private int ier, lcr, mcr, lsr = LSR_THRE | LSR_TEMT, msr = 0xb0, scr, fcr;
    private int dll = 0x0c, dlm; // 9600 baud until the driver programs it
    private boolean thrInterruptPending;
    private boolean irqHigh;

    /** {@code out} receives the guest's output (null: discarded); {@code irq} is the UART's line. */
    public Serial8250(OutputStream out, IrqLine irq) {
        this.out = out;
        this.irq = irq;
    }

    @Override
    public synchronized void read(long offset, MemorySegment data) {
        data.fill((byte) 0);
        data.set(ValueLayout.JAVA_BYTE, 0, (byte) readRegister((int) offset));
        updateIrq();
    }

    @Override
    public synchronized void write(long offset, MemorySegment data) {
        writeRegister((int) offset, data.get(ValueLayout.JAVA_BYTE, 0) & 0xff);
        updateIrq();
    }

    /** Queues bytes typed on the host for the guest; drops what does not fit, as a real FIFO overruns. */
    public synchronized void receive(byte[] bytes, int len) {
        for (int i = 0; i < len; i++) {
            if (rx.size() >= FIFO_SIZE) {
                lsr |= LSR_OE;
                break;
            }
            rx.add(bytes[i]);
        }
        if (!rx.isEmpty()) lsr |= LSR_DR;
        updateIrq();
    }

    /** The registers and receive FIFO, for a snapshot. */
    public synchronized byte[] saveState() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        try {
            for (int v : new int[] {ier, lcr, mcr, lsr, msr, scr, fcr, dll, dlm}) d.writeByte(v);
            d.writeBoolean(thrInterruptPending);
            d.writeBoolean(irqHigh);
            d.writeByte(rx.size());
            for (Byte x : rx) d.writeByte(x);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** Restores {@link #saveState()}; throws IllegalArgumentException when the bytes do not fit. */
    public synchronized void restoreState(byte[] state) {
        DataInputStream d = new DataInputStream(new ByteArrayInputStream(state));
        try {
            ier = d.readUnsignedByte();
            lcr = d.readUnsignedByte();
            mcr = d.readUnsignedByte();
            lsr = d.readUnsignedByte();
            msr = d.readUnsignedByte();
            scr = d.readUnsignedByte();
            fcr = d.readUnsignedByte();
            dll = d.readUnsignedByte();
            dlm = d.readUnsignedByte();
            thrInterruptPending = d.readBoolean();
            boolean high = d.readBoolean();
            int n = d.readUnsignedByte();
            if (n > FIFO_SIZE)
                throw new IllegalArgumentException("UART state: " + n + " bytes in a " + FIFO_SIZE + "-byte FIFO");
            rx.clear();
            for (int i = 0; i < n; i++) rx.add(d.readByte());
            if (d.available() != 0)
                throw new IllegalArgumentException("UART state: " + d.available() + " bytes too many");
            // The irqchip's restored state already has the pin at the saved level.
            irqHigh = high;
            updateIrq();
        } catch (IOException e) {
            throw new IllegalArgumentException("UART state is truncated");
        }
    }

    /** True when the guest has room for more input; the stdin pump waits on it to avoid overruns. */
    public synchronized boolean canReceive() {
        return rx.size() < FIFO_SIZE;
    }

    private int readRegister(int reg) {
        switch (reg) {
            case RBR_THR:
                if ((lcr & LCR_DLAB) != 0) return dll;
                int b = rx.isEmpty() ? 0 : rx.poll() & 0xff;
                if (rx.isEmpty()) lsr &= ~LSR_DR;
                return b;
            case IER:
                return (lcr & LCR_DLAB) != 0 ? dlm : ier;
            case IIR_FCR: {
                int iir = currentIir();
                // Reading IIR acknowledges a THR-empty interrupt (16550 datasheet, table 4).
                if (iir == IIR_THRI) thrInterruptPending = false;
                return iir | ((fcr & 1) != 0 ? IIR_FIFO_ENABLED : 0);
            }
            case LCR:
                return lcr;
            case MCR:
                return mcr;
            case LSR: {
                int v = lsr;
                lsr &= ~LSR_OE; // error bits clear on read
                return v;
            }
            case MSR: {
                if ((mcr & MCR_LOOP) != 0) {
                    // Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
                    return ((mcr & 0x02) << 3) | ((mcr & 0x01) << 5) | ((mcr & 0x04) << 4) | ((mcr & 0x08) << 4);
                }
                int v = msr;
                msr &= ~MSR_DELTA_MASK;
                return v;
            }
            case SCR:
                return scr;
            default:
                return 0xff;
        }
    }

    private void writeRegister(int reg, int v) {
        switch (reg) {
            case RBR_THR:
                if ((lcr & LCR_DLAB) != 0) {
                    dll = v;
                } else if ((mcr & MCR_LOOP) != 0) {
                    if (rx.size() < FIFO_SIZE) rx.add((byte) v);
                    lsr |= LSR_DR;
                    thrInterruptPending = true;
                } else {
                    emit(v);
                    thrInterruptPending = true;
                }
                break;
            case IER:
                if ((lcr & LCR_DLAB) != 0) {
                    dlm = v;
                } else {
                    boolean thriEnabled = (v & IER_THRI) != 0 && (ier & IER_THRI) == 0;
                    ier = v & 0x0f;
                    // Enabling THRI while THR is empty raises it at once (the driver relies on it).
                    if (thriEnabled) thrInterruptPending = true;
                }
                break;
            case IIR_FCR:
                fcr = v & 0xc9;
                if ((v & 0x02) != 0) {
                    rx.clear();
                    lsr &= ~LSR_DR;
                }
                break;
            case LCR:
                lcr = v;
                break;
            case MCR:
                mcr = v & 0x1f;
                break;
            case SCR:
                scr = v;
                break;
            default:
                break; // LSR and MSR are read-only
        }
    }

    private int currentIir() {
        if ((ier & IER_RLSI) != 0 && (lsr & LSR_OE) != 0) return IIR_RLSI;
        if ((ier & IER_RDI) != 0 && (lsr & LSR_DR) != 0) return IIR_RDI;
        if ((ier & IER_THRI) != 0 && thrInterruptPending) return IIR_THRI;
        if ((ier & IER_MSI) != 0 && (msr & MSR_DELTA_MASK) != 0) return IIR_MSI;
        return IIR_NO_INT;
    }

    private void updateIrq() {
        boolean high = currentIir() != IIR_NO_INT;
        if (high != irqHigh) {
            irqHigh = high;
            irq.set(high);
        }
    }

    private void emit(int b) {
        if (out == null) return;
        try {
            out.write(b);
            // Flushing per byte costs a write(2), small beside the VM exit that brought the byte.
            out.flush();
        } catch (IOException e) {
            // The console is gone (closed pipe): the guest keeps running, output is dropped.
        }
    }
}
