package io.jvmm.virtio.vsock;

import static io.jvmm.virtio.vsock.VsockHeader.HOST_CID;
import static io.jvmm.virtio.vsock.VsockHeader.OP_RW;
import static io.jvmm.virtio.vsock.VsockHeader.TYPE_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CreditTest {
    private static VsockHeader guest(int bufAlloc, int fwdCnt) {
        return new VsockHeader(3, HOST_CID, 1024, 80, 0, TYPE_STREAM, OP_RW, 0, bufAlloc, fwdCnt);
    }

    @Test
    void peerCreditIsBufAllocLessWhatIsInFlight() {
        Credit c = new Credit();
        c.takePeer(guest(4096, 0));
        assertEquals(4096, c.peerCredit());
        c.sent(1000);
        assertEquals(3096, c.peerCredit());
        c.takePeer(guest(4096, 600));
        assertEquals(3696, c.peerCredit());
    }

    @Test
    void countersThatWrapPastU32StillGiveTheRightCredit() {
        Credit c = new Credit();
        // Drive tx_cnt to just below 2^32 (as an unsigned u32) with the guest keeping up.
        int sent = 0;
        for (int i = 0; i < 4; i++) {
            c.sent(Integer.MAX_VALUE / 2);
            sent += Integer.MAX_VALUE / 2;
            c.takePeer(guest(65536, sent));
        }
        c.sent(Integer.MAX_VALUE); // tx_cnt wraps
        c.takePeer(guest(65536, sent + Integer.MAX_VALUE - 100)); // the guest's fwd_cnt wraps too
        assertEquals(65536 - 100, c.peerCredit());
    }

    @Test
    void anUpdateIsDueOnceAQuarterOfTheBufferWasConsumedSinceTheLastHeader() {
        Credit c = new Credit();
        c.grant();
        c.consumed(Credit.BUF_ALLOC / 4 - 1);
        assertFalse(c.updateDue());
        c.consumed(1);
        assertTrue(c.updateDue());
        assertEquals(Credit.BUF_ALLOC / 4, c.fwdCntForHeader());
        assertFalse(c.updateDue(), "a header told the guest");
    }

    @Test
    void bufAllocIsZeroUntilGrantedThenFixed() {
        Credit c = new Credit();
        assertFalse(c.granted());
        assertEquals(0, c.bufAlloc());
        c.grant();
        assertTrue(c.granted());
        assertEquals(Credit.BUF_ALLOC, c.bufAlloc());
    }
}
