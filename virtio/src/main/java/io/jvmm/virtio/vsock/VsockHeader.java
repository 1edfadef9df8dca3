package io.jvmm.virtio.vsock;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code struct virtio_vsock_hdr} (virtio 1.2 section 5.10.6), 44 bytes, little-endian. Every packet
 * carries the sender's receive buffer size and how much of it the sender has consumed, which is
 * how each side knows its credit.
 */
public record VsockHeader(
        long srcCid,
        long dstCid,
        int srcPort,
        int dstPort,
        int len,
        int type,
        int op,
        int flags,
        int bufAlloc,
        int fwdCnt) {
    public static final int SIZE = 44;

    public static final int TYPE_STREAM = 1;
    public static final int OP_REQUEST = 1,
            OP_RESPONSE = 2,
            OP_RST = 3,
            OP_SHUTDOWN = 4,
            OP_RW = 5,
            OP_CREDIT_UPDATE = 6,
            OP_CREDIT_REQUEST = 7;
    /** SHUTDOWN flags: the sender will receive no more / send no more. */
    public static final int SHUTDOWN_RCV = 1, SHUTDOWN_SEND = 2;
    /** The host's CID (VMADDR_CID_HOST). */
    public static final long HOST_CID = 2;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A stream packet header from the host to the guest, without payload ({@link #withLen} adds it). */
    static VsockHeader toGuest(
            long guestCid, int hostPort, int guestPort, int op, int flags, int bufAlloc, int fwdCnt) {
        return new VsockHeader(HOST_CID, guestCid, hostPort, guestPort, 0, TYPE_STREAM, op, flags, bufAlloc, fwdCnt);
    }

    public static VsockHeader parse(byte[] b) {
        MemorySegment s = MemorySegment.ofArray(b);
        return new VsockHeader(
                s.get(U64, 0),
                s.get(U64, 8),
                s.get(U32, 16),
                s.get(U32, 20),
                s.get(U32, 24),
                s.get(U16, 28) & 0xffff,
                s.get(U16, 30) & 0xffff,
                s.get(U32, 32),
                s.get(U32, 36),
                s.get(U32, 40));
    }

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(U64, 0, srcCid);
        s.set(U64, 8, dstCid);
        s.set(U32, 16, srcPort);
        s.set(U32, 20, dstPort);
        s.set(U32, 24, len);
        s.set(U16, 28, (short) type);
        s.set(U16, 30, (short) op);
        s.set(U32, 32, flags);
        s.set(U32, 36, bufAlloc);
        s.set(U32, 40, fwdCnt);
        return b;
    }

    /** The same header with another payload length (the rx path fills len last). */
    public VsockHeader withLen(int newLen) {
        return new VsockHeader(srcCid, dstCid, srcPort, dstPort, newLen, type, op, flags, bufAlloc, fwdCnt);
    }

    static String opName(int op) {
        return switch (op) {
            case OP_REQUEST -> "REQUEST";
            case OP_RESPONSE -> "RESPONSE";
            case OP_RST -> "RST";
            case OP_SHUTDOWN -> "SHUTDOWN";
            case OP_RW -> "RW";
            case OP_CREDIT_UPDATE -> "CREDIT_UPDATE";
            case OP_CREDIT_REQUEST -> "CREDIT_REQUEST";
            default -> "op " + op;
        };
    }
}
