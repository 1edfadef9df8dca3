package io.jvmm.virtio.vsock;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The muxer's live connections by (host port, guest port) (Firecracker's connection map), and the
 * rx thread's turn among those that owe the guest a packet: round-robin, so one busy connection
 * cannot starve the others.
 *
 * <p>Not thread-safe: the muxer's lock guards it.
 */
final class ConnectionTable {
    private record Key(int hostPort, int guestPort) {
        static Key of(VsockConnection c) {
            return new Key(c.hostPort(), c.guestPort());
        }
    }

    private final Map<Key, VsockConnection> connections = new HashMap<>();
    /** The connections that owed a packet at the last turn; kept to spare an allocation per packet. */
    private final List<VsockConnection> owing = new ArrayList<>();

    private int turn;

    /** The connection between these ports, or null. */
    VsockConnection get(int hostPort, int guestPort) {
        return connections.get(new Key(hostPort, guestPort));
    }

    boolean contains(int hostPort, int guestPort) {
        return connections.containsKey(new Key(hostPort, guestPort));
    }

    /** Adds {@code c} under its ports, in place of any connection there. */
    void add(VsockConnection c) {
        connections.put(Key.of(c), c);
    }

    /** Removes {@code c} if it is in the table; false if it was not. */
    boolean remove(VsockConnection c) {
        return connections.remove(Key.of(c), c);
    }

    int size() {
        return connections.size();
    }

    /** Ends every connection as the device is reset, and forgets them. */
    void resetAll() {
        for (VsockConnection c : connections.values()) c.deviceReset();
        connections.clear();
    }

    /** Connections that count against {@code l}'s limit: accepted there and not closed by the host. */
    int countAgainst(PortListener l) {
        int n = 0;
        for (VsockConnection c : connections.values()) if (c.countsAgainst(l)) n++;
        return n;
    }

    /** Whether a host-closed connection waits for the guest's RST. */
    boolean anyClosing() {
        for (VsockConnection c : connections.values()) if (c.closing()) return true;
        return false;
    }

    /** Removes and returns the host-closed connections whose close deadline passed at {@code now}. */
    List<VsockConnection> removeExpired(long now) {
        List<VsockConnection> expired = new ArrayList<>();
        for (Iterator<VsockConnection> it = connections.values().iterator(); it.hasNext(); ) {
            VsockConnection c = it.next();
            if (c.closeExpired(now)) {
                it.remove();
                expired.add(c);
            }
        }
        return expired;
    }

    /** Whether a connection owes the guest a packet. */
    boolean anyOwesPacket() {
        for (VsockConnection c : connections.values()) if (c.owesPacket()) return true;
        return false;
    }

    /** The connection whose turn it is among those that owe a packet, or null when none does. */
    VsockConnection nextOwingPacket() {
        owing.clear();
        for (VsockConnection c : connections.values()) if (c.owesPacket()) owing.add(c);
        if (owing.isEmpty()) return null;
        turn = (turn + 1) % owing.size();
        return owing.get(turn);
    }

    /** Connection buffers (either direction) that hold an array (for tests). */
    int allocatedBuffers() {
        int n = 0;
        for (VsockConnection c : connections.values()) n += c.buffers().allocated();
        return n;
    }

    /** Bytes of the arrays the connections' buffers hold (for tests: never more than is charged). */
    long heldBufferBytes() {
        long n = 0;
        for (VsockConnection c : connections.values()) n += c.buffers().arrayBytes();
        return n;
    }
}
