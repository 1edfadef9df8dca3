package io.jvmm.virtio;

import java.util.concurrent.atomic.AtomicInteger;

/** A {@link QueueEvent} in plain Java with eventfd semantics (signals coalesce); counts signals. */
public final class SimpleQueueEvent implements QueueEvent {
    private final Object lock = new Object();
    private boolean signalled;
    private final AtomicInteger signals = new AtomicInteger();

    @Override
    public void await() throws InterruptedException {
        synchronized (lock) {
            while (!signalled) lock.wait();
            signalled = false;
        }
    }

    @Override
    public void signal() {
        signals.incrementAndGet();
        synchronized (lock) {
            signalled = true;
            lock.notifyAll();
        }
    }

    /** How often {@link #signal()} was called. */
    public int signals() {
        return signals.get();
    }

    @Override
    public void close() {}
}
