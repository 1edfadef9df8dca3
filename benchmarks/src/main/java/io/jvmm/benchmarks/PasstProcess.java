package io.jvmm.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A passt for QEMU's side of a comparison (jvmm starts its own): {@code passt -f -1 -q -s SOCKET}
 * in a temporary directory, plus any forwarding arguments. Closing stops it and removes the directory.
 */
final class PasstProcess implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final Path socket;

    private PasstProcess(Process process, Path dir, Path socket) {
        this.process = process;
        this.dir = dir;
        this.socket = socket;
    }

    /** Starts passt and waits for its socket. */
    static PasstProcess start(String... extraArgs) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jvmm-bench-passt-");
        // Started as root, passt drops to nobody before it creates its socket.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path sock = dir.resolve("passt.sock");
        List<String> cmd = new ArrayList<>(List.of("passt", "-f", "-1", "-q", "-s", sock.toString()));
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        while (!Files.exists(sock)) {
            if (!p.isAlive()) throw new IllegalStateException("passt exited with status " + p.exitValue());
            Thread.sleep(1);
        }
        return new PasstProcess(p, dir, sock);
    }

    long pid() {
        return process.pid();
    }

    /** QEMU's netdev and device for this passt, for a virtio-net-device guest. */
    List<String> qemuNetArgs() {
        return List.of(
                "-netdev",
                "stream,id=n0,server=off,addr.type=unix,addr.path=" + socket,
                "-device",
                "virtio-net-device,netdev=n0");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        process.waitFor();
        try (var s = Files.list(dir)) {
            s.forEach(f -> f.toFile().delete());
        }
        Files.deleteIfExists(dir);
    }
}
