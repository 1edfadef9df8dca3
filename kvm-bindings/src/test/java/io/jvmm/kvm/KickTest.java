package io.jvmm.kvm;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A vCPU spinning in the guest must leave KVM_RUN when another thread kicks it. */
class KickTest {
    private static final byte[] SPIN = {(byte) 0xEB, (byte) 0xFE}; // jmp $

    @BeforeAll
    static void kvm() {
        assumeTrue(Kvm.isAvailable(), Kvm.unavailabilityCause());
    }

    /** One run() on a fresh platform thread bound to the vCPU; completes with that run's exit. */
    private static CompletableFuture<VcpuExit> runOnce(VcpuFd vcpu) {
        CompletableFuture<VcpuExit> result = new CompletableFuture<>();
        Thread.ofPlatform().name("jvmm-vcpu-test").start(() -> {
            vcpu.bindToCurrentThread();
            try {
                result.complete(vcpu.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            } finally {
                vcpu.unbindThread();
            }
        });
        return result;
    }

    @Test
    void kickWakesAThreadBlockedInKvmRun() throws Exception {
        try (TinyGuest g = new TinyGuest(SPIN)) {
            CompletableFuture<VcpuExit> exit = runOnce(g.vcpu);
            Thread.sleep(300); // let the thread get into KVM_RUN and the guest spin
            assertTrue(!exit.isDone(), "the spinning guest exited on its own: " + (exit.isDone() ? exit.get() : ""));
            long start = System.nanoTime();
            g.vcpu.kick();
            VcpuExit result = exit.get(1, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.println("KickTest: KVM_RUN returned " + result + " " + took.toMillis() + " ms after kick()");
            assertInstanceOf(VcpuExit.Interrupted.class, result);
        }
    }

    @Test
    void kickBeforeRunMakesRunReturnAtOnceAndClearKickReenters() throws Exception {
        try (TinyGuest g = new TinyGuest(SPIN)) {
            g.vcpu.kick(); // nobody bound yet: only immediate_exit is set
            assertInstanceOf(VcpuExit.Interrupted.class, runOnce(g.vcpu).get(1, TimeUnit.SECONDS));
            assertInstanceOf(
                    VcpuExit.Interrupted.class,
                    runOnce(g.vcpu).get(1, TimeUnit.SECONDS),
                    "immediate_exit must stay set until clearKick()");

            g.vcpu.clearKick();
            CompletableFuture<VcpuExit> exit = runOnce(g.vcpu);
            Thread.sleep(300);
            assertTrue(!exit.isDone(), "after clearKick() the guest must run again");
            g.vcpu.kick();
            assertInstanceOf(VcpuExit.Interrupted.class, exit.get(1, TimeUnit.SECONDS));
        }
    }

    @Test
    void kickSignalDoesNotDisturbAJavaThread() throws Exception {
        try (TinyGuest g = new TinyGuest(SPIN)) {
            g.vcpu.bindToCurrentThread(); // the test thread itself, running Java code
            try {
                for (int i = 0; i < 100; i++) g.vcpu.kick(); // 100 signals to ourselves: the handler just returns
                Thread.sleep(50); // a sleep restarts or returns normally; the JVM keeps going
            } finally {
                g.vcpu.unbindThread();
            }
            assertInstanceOf(VcpuExit.Interrupted.class, g.vcpu.run());
        }
    }
}
