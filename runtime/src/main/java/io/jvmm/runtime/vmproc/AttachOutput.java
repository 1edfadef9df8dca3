package io.jvmm.runtime.vmproc;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;

/**
 * What one attached client receives: the workload's records queue here and a thread of the client's
 * own writes them out, so a client that stops reading never stalls the workload or its log. A client
 * that falls {@link #MAX_PENDING} bytes behind is dropped (its connection closed), as a log follower
 * that cannot keep up would be.
 */
final class AttachOutput implements AutoCloseable {
    /** How far a client may fall behind before it is dropped. */
    static final int MAX_PENDING = 4 << 20;

    private final OutputStream out;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private final Thread writer;
    private long pending; // guarded by queue
    private boolean closed; // guarded by queue

    AttachOutput(OutputStream out, String name) {
        this.out = out;
        this.writer = Thread.ofPlatform().daemon().name(name).start(this::writeLoop);
    }

    /** Queues {@code record}; false when the client is gone or was dropped for falling behind. */
    boolean offer(byte[] record) {
        synchronized (queue) {
            if (closed) return false;
            if (pending + record.length > MAX_PENDING) {
                closeLocked();
                return false;
            }
            queue.add(record);
            pending += record.length;
            queue.notifyAll();
            return true;
        }
    }

    /** True once the client is gone, dropped or closed. */
    boolean isClosed() {
        synchronized (queue) {
            return closed;
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                byte[] next;
                synchronized (queue) {
                    while (queue.isEmpty() && !closed) queue.wait();
                    if (closed) return;
                    next = queue.poll();
                    pending -= next.length;
                }
                out.write(next);
                out.flush();
            }
        } catch (IOException e) {
            close(); // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeLocked() {
        if (closed) return;
        closed = true;
        queue.clear();
        pending = 0;
        queue.notifyAll();
        try {
            out.close(); // ends the client's connection, so its attach returns
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        synchronized (queue) {
            closeLocked();
        }
    }
}
