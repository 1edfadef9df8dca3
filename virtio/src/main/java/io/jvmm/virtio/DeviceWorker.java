package io.jvmm.virtio;

import java.lang.System.Logger.Level;
import java.util.function.BooleanSupplier;

/**
 * A device's request loop on its own platform thread: wait for the queue's event, run one round of
 * work, repeat until stopped (Cloud Hypervisor's spawn_virtio_thread). A guest protocol error or a
 * backend failure ends the loop and puts the device into NEEDS_RESET; nothing escapes the thread.
 *
 * <p>{@link #stop()} returns only after the thread has finished its current round, so a reset never
 * leaves a request half done and no device thread touches guest memory afterwards.
 */
public final class DeviceWorker {
    private static final RateLimitedLog LOG = RateLimitedLog.of(DeviceWorker.class);

    /**
     * One round of work: drain the queue(s). Throwing fails the device. A guest can keep a queue busy
     * forever, so a round checks {@link DeviceWorker#running()} between requests.
     */
    @FunctionalInterface
    public interface Round {
        void run(DeviceWorker self) throws Exception;
    }

    private final Thread thread;
    private final QueueEvent event;
    private final DeviceContext context;
    private final Round round;
    private final long pollNanos;
    private final BooleanSupplier pending;
    private volatile boolean stopped;

    private DeviceWorker(
            String threadName,
            DeviceContext context,
            QueueEvent event,
            Round round,
            long pollNanos,
            BooleanSupplier pending) {
        this.context = context;
        this.event = event;
        this.round = round;
        this.pollNanos = pollNanos;
        this.pending = pending;
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(this::loop);
    }

    /** Starts a worker that runs {@code round} once at once and then after every signal of {@code event}. */
    public static DeviceWorker start(String threadName, DeviceContext context, QueueEvent event, Round round) {
        return start(threadName, context, event, round, 0, null);
    }

    /**
     * Like {@link #start(String, DeviceContext, QueueEvent, Round)}, but after each round the thread
     * polls {@code pending} for up to {@code pollNanos} before it sleeps on the event, as QEMU's
     * adaptive polling does: a request that arrives within that window skips the wake-up latency.
     */
    public static DeviceWorker start(
            String threadName,
            DeviceContext context,
            QueueEvent event,
            Round round,
            long pollNanos,
            BooleanSupplier pending) {
        DeviceWorker w = new DeviceWorker(threadName, context, event, round, pollNanos, pending);
        w.thread.start();
        return w;
    }

    /** Spins for new work up to pollNanos; true if some arrived. */
    private boolean poll() {
        if (pollNanos <= 0 || pending == null) return false;
        long end = System.nanoTime() + pollNanos;
        do {
            if (pending.getAsBoolean()) return true;
            Thread.onSpinWait();
        } while (System.nanoTime() - end < 0 && !stopped);
        return false;
    }

    private void loop() {
        try {
            // Buffers the driver made available before DRIVER_OK (or before a restore) are served too.
            while (!stopped) {
                round.run(this);
                if (!poll()) event.await();
            }
        } catch (InterruptedException e) {
            // stop() interrupts only as a last resort; just end.
        } catch (VirtioProtocolException e) {
            LOG.log(
                    Level.WARNING,
                    "{0}: guest protocol error, device needs reset: {1}",
                    thread.getName(),
                    e.getMessage());
            context.fail(e.getMessage());
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "{0}: device failed, needs reset: {1}", thread.getName(), t.toString());
            context.fail(t.toString());
        }
    }

    /** True while the loop has not been asked to stop; long rounds may poll it. */
    public boolean running() {
        return !stopped;
    }

    /** Asks the loop to end and waits until it has. Safe to call twice and from the worker itself. */
    public void stop() {
        stopped = true;
        event.signal();
        if (Thread.currentThread() == thread) return;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    public String threadName() {
        return thread.getName();
    }
}
