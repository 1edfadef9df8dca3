package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Creating, starting and closing VMs over and over leaks no file descriptor and no thread. */
class LifecycleLeakTest {
    @BeforeAll
    static void kvm() {
        Probes.requireKvm();
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static long vcpuThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vcpu-"))
                .count();
    }

    /** A teardown thread completes its VM's release and then ends: give the last ones a moment to. */
    private static void awaitTeardownThreadsGone() throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("vm-teardown-"))) return;
            Thread.sleep(10);
        }
    }

    @Test
    void twoHundredCyclesLeakNothing() throws Exception {
        // Warm up once so lazily opened JDK files (jars, /dev/urandom) are not counted as leaks.
        cycle();
        // Other tests' VMs may still be in the kernel's hands (their fds open): not this test's count.
        assertTrue(Vm.awaitAllReleased(Duration.ofSeconds(10)));
        awaitTeardownThreadsGone();
        long fds = openFds();
        int threads = Thread.activeCount();
        for (int i = 0; i < 200; i++) cycle();
        awaitTeardownThreadsGone();
        assertEquals(fds, openFds(), "open file descriptors");
        assertEquals(0, vcpuThreads(), "vCPU threads left");
        assertTrue(Thread.activeCount() <= threads, "threads: " + Thread.activeCount() + " > " + threads);
    }

    /** close() leaves the VM fd's destruction to a background thread: a cycle waits for it too. */
    private static void cycle() throws Exception {
        Vm vm = Vm.create(
                Probes.config("spin", "mode=cpl3").vcpus(2).consoleOutput(null).build());
        try (vm) {
            vm.start();
        }
        assertTrue(vm.awaitReleased(Duration.ofSeconds(10)), "the VM's kernel objects were not released within 10 s");
    }

    @Test
    void closeReturnsBeforeTheKernelHasDestroyedTheVmAndAwaitReleasedWaitsForIt() throws Exception {
        Vm vm = Vm.create(Probes.config("hello", "").consoleOutput(null).build());
        assertFalse(vm.awaitReleased(Duration.ZERO), "not closed yet");
        vm.start();
        vm.awaitExit();
        assertTrue(Vm.awaitAllReleased(Duration.ofSeconds(10)));
        long fds = openFds();
        vm.close();
        assertTrue(vm.awaitReleased(Duration.ofSeconds(10)));
        // The vCPU fd, the guest's eventfds and the VM fd and /dev/kvm fd are all gone now.
        assertTrue(openFds() <= fds - 3, "fds before close " + fds + ", after release " + openFds());
        assertTrue(vm.awaitReleased(Duration.ZERO), "stays released");
    }
}
