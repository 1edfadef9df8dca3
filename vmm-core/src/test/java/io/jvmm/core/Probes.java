package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the probe guests built by the probes module, and captures a VM's console. */
final class Probes {
    private Probes() {}

    /** Skips (with the reason) where there is no usable /dev/kvm; never silently passes. */
    static void requireKvm() {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
    }

    static Path probe(String name) {
        Path dir = Path.of(System.getProperty("jvmm.probes.dir", "../probes/target"));
        Path p = dir.resolve(name + ".elf");
        // The probes module builds before this one; a missing probe is a build problem, not a skip.
        assertTrue(
                Files.isRegularFile(p),
                "probe guest " + p.toAbsolutePath() + " was not built (mvn -pl probes install)");
        return p;
    }

    static VmConfig.Builder config(String probe, String cmdline) {
        return VmConfig.builder().kernel(probe(probe)).cmdline(cmdline).memoryMib(128);
    }

    /** A console sink the vCPU threads write to while the test thread reads it. */
    static final class Console extends ByteArrayOutputStream {
        @Override
        public synchronized String toString() {
            return new String(toByteArray(), StandardCharsets.ISO_8859_1);
        }

        /** Waits until the output contains {@code text}; false on timeout. */
        boolean await(String text, long millis) throws InterruptedException {
            long end = System.nanoTime() + millis * 1_000_000;
            while (System.nanoTime() < end) {
                if (toString().contains(text)) return true;
                Thread.sleep(5);
            }
            return false;
        }
    }
}
