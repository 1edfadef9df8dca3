package io.jvmm.junit;

import io.jvmm.files.FileTrees;
import io.jvmm.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Restore per test: a sandbox booted once and made ready, snapshotted into a temporary directory and
 * stopped; every {@link #restoreCopy()} is a new VM from that snapshot (guest RAM mapped privately,
 * so copies share the snapshot's pages until they write), with host ports of its own.
 */
final class SandboxTemplate implements AutoCloseable {
    private final SandboxDefinition definition;
    private final SandboxDefinition.Resolved resolved;
    private final Path dir;
    private final String log;
    private final AtomicInteger copies = new AtomicInteger();

    private SandboxTemplate(SandboxDefinition definition, SandboxDefinition.Resolved resolved, Path dir, String log) {
        this.definition = definition;
        this.resolved = resolved;
        this.dir = dir;
        this.log = log;
    }

    /** Boots and readies {@code owner}'s VM, snapshots it and stops it. */
    static SandboxTemplate create(JvmmSandbox owner) {
        SandboxDefinition d = owner.definition;
        Path dir;
        try {
            dir = Files.createTempDirectory("jvmm-junit-template-");
        } catch (IOException e) {
            throw new JvmmSandboxException("sandbox " + d.name + ": cannot create a snapshot directory: " + e, e);
        }
        try (SandboxInstance template = owner.bootReady()) {
            template.sandbox().snapshot(dir.resolve("snapshot"));
            return new SandboxTemplate(d, d.resolve(), dir, template.log().text());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            FileTrees.deleteQuietly(dir);
            throw new JvmmSandboxException("sandbox " + d.name + ": interrupted while taking the template");
        } catch (RuntimeException e) {
            FileTrees.deleteQuietly(dir);
            throw e;
        }
    }

    /** A new copy of the template, ready (its agent answered after the restore). */
    SandboxInstance restoreCopy() {
        String name = definition.name + "-copy-" + copies.incrementAndGet();
        Map<Integer, Integer> ports = definition.freePorts();
        try {
            return SandboxInstance.restore(
                    name, dir.resolve("snapshot"), definition.config(resolved, ports, name), ports, log);
        } catch (SandboxException e) {
            throw new JvmmSandboxException(name + ": restore failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        FileTrees.deleteQuietly(dir);
    }
}
