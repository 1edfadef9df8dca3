package io.jvmm.virtio.vsock;

/**
 * The credit accounting of one stream connection (virtio 1.2 section 5.10.6.3), both directions.
 * The counters are the spec's free-running u32s: differences are taken in int arithmetic, which is
 * exact across wraparound as long as no more than 2^31 bytes are ever in flight.
 *
 * <p>Not thread-safe: its connection's lock guards it.
 */
final class Credit {
    /** Our receive buffer: what we advertise as buf_alloc once granted. */
    static final int BUF_ALLOC = 256 * 1024;

    /**
     * The buf_alloc every header carries: 0 until the receive buffer is granted, then BUF_ALLOC for
     * good. Never lowered: the guest may already have that much in flight, and a peer that computes
     * credit in unsigned arithmetic would read a lower one as a huge credit.
     */
    private int bufAlloc;
    /** Bytes the host consumed (our fwd_cnt) and the value the guest last heard. */
    private int fwdCnt, fwdCntSent;
    /** Bytes sent to the guest (tx_cnt); the guest's buffer size and consumption from its last header. */
    private int txCnt, peerBufAlloc, peerFwdCnt;

    /** Takes the credit fields every guest packet carries. */
    void takePeer(VsockHeader h) {
        peerBufAlloc = h.bufAlloc();
        peerFwdCnt = h.fwdCnt();
    }

    /** Free space in the guest's receive buffer as we know it. */
    int peerCredit() {
        return peerBufAlloc - (txCnt - peerFwdCnt);
    }

    /** {@code n} bytes went to the guest. */
    void sent(int n) {
        txCnt += n;
    }

    /** The host consumed (or discarded) {@code n} bytes the guest sent. */
    void consumed(int n) {
        fwdCnt += n;
    }

    /** The guest may be blocked on credit: tell it once a quarter of the buffer was freed. */
    boolean updateDue() {
        return fwdCnt - fwdCntSent >= BUF_ALLOC / 4;
    }

    boolean granted() {
        return bufAlloc != 0;
    }

    /** From now on every header promises BUF_ALLOC (the receive buffer was reserved). */
    void grant() {
        bufAlloc = BUF_ALLOC;
    }

    /** Our buf_alloc for a header about to go out. */
    int bufAlloc() {
        return bufAlloc;
    }

    /** Our fwd_cnt for a header about to go out; the guest will have heard it. */
    int fwdCntForHeader() {
        fwdCntSent = fwdCnt;
        return fwdCnt;
    }
}
