package io.jvmm.virtio.blk;

import static io.jvmm.virtio.blk.BlockConstants.*;

import io.jvmm.virtio.queue.DescriptorChain;
import io.jvmm.virtio.queue.GuestBuffers;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * One virtio-blk request (virtio 1.2 section 5.2.6): the header and data in the chain's readable
 * part, data and the status byte in its writable part, split across descriptors however the driver
 * likes. {@link #parse} is pure; {@link #execute} runs it against a {@link BlockBackend}.
 *
 * @param type   VIRTIO_BLK_T_*
 * @param sector the header's first 512-byte sector
 * @param chain  the chain it came in
 */
public record BlockRequest(int type, long sector, DescriptorChain chain) {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What a request came to: the status byte and how many bytes the device wrote into the chain. */
    public record Outcome(byte status, long written) {
        static Outcome ok(long dataWritten) {
            return new Outcome(VIRTIO_BLK_S_OK, dataWritten + 1);
        }

        static Outcome of(byte status) {
            return new Outcome(status, 1);
        }
    }

    /** The limits the device advertised and enforces. */
    public record Limits(
            long capacitySectors,
            boolean readOnly,
            int maxDiscardSectors,
            int maxDiscardSegments,
            int maxWriteZeroesSectors,
            int maxWriteZeroesSegments,
            byte[] id) {}

    /**
     * Reads the header. Returns null when the chain has no writable byte for a status (nothing can be
     * reported: the device returns it with length 0); a short header parses as type -1, which
     * {@link #execute} answers with IOERR.
     */
    public static BlockRequest parse(DescriptorChain chain) {
        if (chain.writable().length() < 1) return null;
        GuestBuffers in = chain.readable();
        if (in.length() < HEADER_SIZE) return new BlockRequest(-1, 0, chain);
        byte[] header = in.readBytes(0, HEADER_SIZE);
        MemorySegment h = MemorySegment.ofArray(header);
        return new BlockRequest(h.get(U32, 0), h.get(U64, 8), chain);
    }

    /**
     * A plain read or write that passes every check, as one transfer: the byte offset on the disk,
     * the guest buffers, and whether it writes. Null for anything else (other types, bad ranges,
     * writes to a read-only disk), which {@link #execute} handles one by one.
     */
    public record Transfer(long offset, List<MemorySegment> buffers, long length, boolean write) {}

    public Transfer transfer(Limits limits) {
        if (type == VIRTIO_BLK_T_IN) {
            long len = chain.writable().length() - 1;
            if (len <= 0 || len % SECTOR_SIZE != 0 || !inRange(sector, len >>> SECTOR_SHIFT, limits.capacitySectors()))
                return null;
            return new Transfer(sector << SECTOR_SHIFT, chain.writable().slices(0, len), len, false);
        }
        if (type == VIRTIO_BLK_T_OUT && !limits.readOnly()) {
            long len = chain.readable().length() - HEADER_SIZE;
            if (len <= 0 || len % SECTOR_SIZE != 0 || !inRange(sector, len >>> SECTOR_SHIFT, limits.capacitySectors()))
                return null;
            return new Transfer(sector << SECTOR_SHIFT, chain.readable().slices(HEADER_SIZE, len), len, true);
        }
        return null;
    }

    /** Offset of the status byte: the last writable byte. */
    public long statusOffset() {
        return chain.writable().length() - 1;
    }

    /**
     * Performs the request; never throws for anything the guest controls. Backend I/O errors become
     * IOERR (and are rethrown to the caller's log only through {@code ioErrors}).
     */
    public Outcome execute(BlockBackend backend, Limits limits, IoErrorSink ioErrors) {
        try {
            return switch (type) {
                case VIRTIO_BLK_T_IN -> read(backend, limits);
                case VIRTIO_BLK_T_OUT -> write(backend, limits);
                case VIRTIO_BLK_T_FLUSH -> {
                    if (!limits.readOnly()) backend.flush();
                    yield Outcome.of(VIRTIO_BLK_S_OK);
                }
                case VIRTIO_BLK_T_GET_ID -> getId(limits.id());
                case VIRTIO_BLK_T_DISCARD -> discardOrZero(backend, limits, false);
                case VIRTIO_BLK_T_WRITE_ZEROES -> discardOrZero(backend, limits, true);
                case -1 -> Outcome.of(VIRTIO_BLK_S_IOERR);
                default -> Outcome.of(VIRTIO_BLK_S_UNSUPP);
            };
        } catch (IOException e) {
            ioErrors.report(this, e);
            return Outcome.of(VIRTIO_BLK_S_IOERR);
        }
    }

    /** Where I/O errors of the backend go (the device logs them, rate-limited). */
    @FunctionalInterface
    public interface IoErrorSink {
        void report(BlockRequest request, IOException e);
    }

    /** True when {@code count} sectors from {@code first} lie inside the disk (no overflow possible). */
    static boolean inRange(long first, long count, long capacity) {
        return first >= 0 && count >= 0 && first <= capacity && count <= capacity - first;
    }

    private Outcome read(BlockBackend backend, Limits limits) throws IOException {
        long len = chain.writable().length() - 1;
        if (len % SECTOR_SIZE != 0 || !inRange(sector, len >>> SECTOR_SHIFT, limits.capacitySectors())) {
            return Outcome.of(VIRTIO_BLK_S_IOERR);
        }
        if (len > 0) backend.read(sector << SECTOR_SHIFT, chain.writable().slices(0, len));
        return Outcome.ok(len);
    }

    private Outcome write(BlockBackend backend, Limits limits) throws IOException {
        if (limits.readOnly()) return Outcome.of(VIRTIO_BLK_S_IOERR);
        long len = chain.readable().length() - HEADER_SIZE;
        if (len % SECTOR_SIZE != 0 || !inRange(sector, len >>> SECTOR_SHIFT, limits.capacitySectors())) {
            return Outcome.of(VIRTIO_BLK_S_IOERR);
        }
        if (len > 0) backend.write(sector << SECTOR_SHIFT, chain.readable().slices(HEADER_SIZE, len));
        return Outcome.of(VIRTIO_BLK_S_OK);
    }

    private Outcome getId(byte[] id) {
        long room = chain.writable().length() - 1;
        if (room < ID_BYTES) return Outcome.of(VIRTIO_BLK_S_IOERR);
        byte[] out = new byte[ID_BYTES]; // NUL-padded when shorter, unterminated when 20 bytes
        System.arraycopy(id, 0, out, 0, Math.min(id.length, ID_BYTES));
        chain.writable().write(0, out);
        return Outcome.ok(ID_BYTES);
    }

    private Outcome discardOrZero(BlockBackend backend, Limits limits, boolean zeroes) throws IOException {
        if (limits.readOnly()) return Outcome.of(VIRTIO_BLK_S_IOERR);
        long payload = chain.readable().length() - HEADER_SIZE;
        int maxSegments = zeroes ? limits.maxWriteZeroesSegments() : limits.maxDiscardSegments();
        long maxSectors = Integer.toUnsignedLong(zeroes ? limits.maxWriteZeroesSectors() : limits.maxDiscardSectors());
        if (payload <= 0 || payload % SEGMENT_SIZE != 0 || payload / SEGMENT_SIZE > maxSegments) {
            return Outcome.of(VIRTIO_BLK_S_IOERR);
        }
        int count = (int) (payload / SEGMENT_SIZE);
        MemorySegment segs = MemorySegment.ofArray(chain.readable().readBytes(HEADER_SIZE, count * SEGMENT_SIZE));
        // Check every segment before touching the disk, so a bad one leaves the disk unchanged.
        for (int i = 0; i < count; i++) {
            long first = segs.get(U64, i * SEGMENT_SIZE);
            long n = Integer.toUnsignedLong(segs.get(U32, i * SEGMENT_SIZE + 8));
            int flags = segs.get(U32, i * SEGMENT_SIZE + 12);
            int allowed = zeroes ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0;
            if ((flags & ~allowed) != 0) return Outcome.of(VIRTIO_BLK_S_UNSUPP);
            if (n > maxSectors || !inRange(first, n, limits.capacitySectors())) return Outcome.of(VIRTIO_BLK_S_IOERR);
        }
        for (int i = 0; i < count; i++) {
            long offset = segs.get(U64, i * SEGMENT_SIZE) << SECTOR_SHIFT;
            long len = Integer.toUnsignedLong(segs.get(U32, i * SEGMENT_SIZE + 8)) << SECTOR_SHIFT;
            boolean unmap = (segs.get(U32, i * SEGMENT_SIZE + 12) & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) != 0;
            if (len == 0) continue;
            if (zeroes) backend.writeZeroes(offset, len, unmap);
            else backend.discard(offset, len);
        }
        return Outcome.of(VIRTIO_BLK_S_OK);
    }
}
