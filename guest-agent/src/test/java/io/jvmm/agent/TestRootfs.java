package io.jvmm.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * A minimal root file system for agent tests: a static busybox with its applets as relative
 * symlinks in bin/, and an /etc/passwd with root and nobody (65534).
 */
public final class TestRootfs {
    private TestRootfs() {}

    /** The host's busybox if it is statically linked (the tree has no libc), else empty. */
    public static Optional<Path> staticBusybox() {
        for (String p : List.of("/bin/busybox", "/usr/bin/busybox", "/usr/lib/initramfs-tools/bin/busybox")) {
            Path b = Path.of(p);
            try {
                if (Files.isRegularFile(b) && isStaticElf(b)) return Optional.of(b.toRealPath());
            } catch (IOException ignored) {
                // try the next candidate
            }
        }
        return Optional.empty();
    }

    /** True for an ELF executable without a PT_INTERP header (no dynamic loader). */
    static boolean isStaticElf(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(h, 0) < 64 || h.getInt(0) != 0x464c457f || h.get(4) != 2) return false;
            long phoff = h.getLong(32);
            int phentsize = h.getShort(54) & 0xffff, phnum = h.getShort(56) & 0xffff;
            ByteBuffer ph = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < phnum; i++) {
                ph.clear();
                ch.read(ph, phoff + (long) i * phentsize);
                if (ph.getInt(0) == 3) return false;
            }
            return true;
        }
    }

    /** Builds the tree under {@code root} (created if missing) and returns it. */
    public static Path create(Path root, Path busybox) throws IOException, InterruptedException {
        for (String d : List.of("bin", "sbin", "etc", "tmp", "root", "proc", "sys", "dev", "run", "home"))
            Files.createDirectories(root.resolve(d));
        Path bb = root.resolve("bin/busybox");
        Files.copy(busybox, bb, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(bb, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process p = new ProcessBuilder(busybox.toString(), "--list")
                .redirectErrorStream(true)
                .start();
        String list = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException("busybox --list failed: " + list);
        for (String applet : list.split("\n")) {
            applet = applet.strip();
            if (applet.isEmpty() || applet.equals("busybox") || applet.contains("/")) continue;
            Path link = root.resolve("bin").resolve(applet);
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) Files.createSymbolicLink(link, Path.of("busybox"));
        }
        Files.writeString(root.resolve("etc/passwd"), """
                root:x:0:0:root:/root:/bin/sh
                nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
                """);
        Files.writeString(root.resolve("etc/group"), """
                root:x:0:
                nogroup:x:65534:
                """);
        Files.setPosixFilePermissions(root.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        return root;
    }
}
