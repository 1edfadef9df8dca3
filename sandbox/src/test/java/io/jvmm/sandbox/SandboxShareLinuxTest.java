package io.jvmm.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.agent.ExecResult;
import io.jvmm.kvm.sys.ProcessSyscalls;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bind mounts through virtio-fs in a real guest: the project kernel mounts two host directories
 * (the agent's {@code mount -t virtiofs}), a workload runs on the read-write one, and the host
 * checks every result in the directory itself; the read-only one reads and refuses writes.
 */
@Tag("linux")
class SandboxShareLinuxTest {
    @TempDir
    Path dir;

    /** xattr and mmap, which busybox has no applet for; compiled statically for the guest. */
    private static final String HELPER = """
            #include <fcntl.h>
            #include <stdio.h>
            #include <string.h>
            #include <sys/mman.h>
            #include <sys/xattr.h>
            #include <unistd.h>
            int main(int argc, char **argv) {
                if (argc == 5 && !strcmp(argv[1], "xattr")) {
                    int fd = open(argv[2], O_CREAT | O_WRONLY, 0644);
                    char buf[64];
                    if (fd < 0 || fsetxattr(fd, argv[3], argv[4], strlen(argv[4]), 0)) { perror("xattr"); return 1; }
                    if (fgetxattr(fd, argv[3], buf, sizeof buf) != (ssize_t) strlen(argv[4])) { perror("fgetxattr"); return 1; }
                    return close(fd);
                }
                if (argc == 3 && !strcmp(argv[1], "mmap")) {
                    int fd = open(argv[2], O_CREAT | O_RDWR, 0644);
                    if (fd < 0 || ftruncate(fd, 8192)) { perror("open"); return 1; }
                    unsigned char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                    if (p == MAP_FAILED) { perror("mmap"); return 1; }
                    for (int i = 0; i < 8192; i++) p[i] = (unsigned char) (i * 7 + 1);
                    if (msync(p, 8192, MS_SYNC)) { perror("msync"); return 1; }
                    return munmap(p, 8192) || close(fd);
                }
                return 2;
            }
            """;

    @Test
    void aWorkloadOnAShareLandsInTheHostDirectoryAndAReadOnlyShareRefusesWrites() throws Exception {
        TestImages.requireKvm();
        String cc = TestImages.staticCompiler();
        assumeTrue(cc != null, "skipped: neither musl-gcc nor gcc with static libc (apt-get install musl-tools)");
        boolean root = ProcessSyscalls.geteuid() == 0;
        Path rw = Files.createDirectory(dir.resolve("rw")), ro = Files.createDirectory(dir.resolve("ro"));
        Files.writeString(ro.resolve("ro.txt"), "from the host\n");
        Path src = Files.writeString(dir.resolve("fs-helper.c"), HELPER);
        Path bin = dir.resolve("fs-helper");
        Process p = new ProcessBuilder(cc, "-static", "-O1", "-o", bin.toString(), src.toString())
                .redirectErrorStream(true)
                .start();
        String compiler = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), compiler);

        ByteArrayOutputStream console = new ByteArrayOutputStream();
        SandboxConfig config = SandboxConfig.builder()
                .name("shares")
                .kernel(TestImages.kernel())
                .rootfs(TestImages.rootfs())
                .bind(rw, "/src", false)
                .bind(ro, "/ro", true)
                .console(console)
                .memoryMib(256)
                .build();
        try (Sandbox s = Sandbox.start(config)) {
            try (InputStream in = Files.newInputStream(bin)) {
                s.agent().copyIn(in, "/root/fs-helper", 0755);
            }
            String workload = String.join(
                    "\n",
                    "set -e",
                    "cd /src",
                    "echo hello > a.txt",
                    "cat a.txt > read.txt",
                    "mv a.txt renamed.txt",
                    "ln renamed.txt hard.txt",
                    "ln -s renamed.txt sym.txt",
                    "chmod 0640 renamed.txt",
                    root ? "chown 1234:2345 hard.txt" : "true",
                    "echo 0123456789 > trunc.txt",
                    "truncate -s 4 trunc.txt",
                    "mkdir many && cd many",
                    "seq 1 200 | xargs touch",
                    "ls | wc -l > ../count.txt",
                    "ls | xargs rm",
                    "cd .. && rmdir many",
                    "/root/fs-helper xattr /src/x.txt user.jvmm value",
                    "/root/fs-helper mmap /src/mm.bin",
                    "cat /ro/ro.txt",
                    "if echo x > /ro/new 2>/dev/null; then echo ro-written; else echo ro-refused; fi",
                    "if touch /ro/ro.txt 2>/dev/null; then echo ro-touched; fi",
                    "grep -E ' /src virtiofs | /ro virtiofs ' /proc/mounts");
            ExecResult r = s.exec("/bin/sh", "-c", workload);
            String out = r.stdoutText();
            assertEquals(0, r.exitCode(), () -> out + r.stderrText() + console.toString(StandardCharsets.UTF_8));
            assertTrue(
                    out.contains("from the host\n") && out.contains("ro-refused") && !out.contains("ro-touched"), out);
            assertTrue(out.contains("bind0 /src virtiofs rw") && out.contains("bind1 /ro virtiofs ro"), out);
        }

        assertFalse(Files.exists(rw.resolve("a.txt")), "renamed away");
        assertEquals("hello\n", Files.readString(rw.resolve("renamed.txt")));
        assertEquals("hello\n", Files.readString(rw.resolve("read.txt")));
        assertTrue(Files.isSameFile(rw.resolve("renamed.txt"), rw.resolve("hard.txt")), "a hard link");
        assertEquals(2, Files.getAttribute(rw.resolve("hard.txt"), "unix:nlink"));
        assertEquals(
                "renamed.txt", Files.readSymbolicLink(rw.resolve("sym.txt")).toString());
        assertEquals(
                "rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(rw.resolve("renamed.txt"))));
        if (root) {
            assertEquals(1234, Files.getAttribute(rw.resolve("renamed.txt"), "unix:uid"));
            assertEquals(2345, Files.getAttribute(rw.resolve("renamed.txt"), "unix:gid"));
        }
        assertEquals("0123", Files.readString(rw.resolve("trunc.txt")));
        assertEquals("200", Files.readString(rw.resolve("count.txt")).strip());
        assertFalse(
                Files.exists(rw.resolve("many")),
                "200 entries (several READDIRPLUS pages) removed, then the directory");
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(
                rw.resolve("x.txt"), UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        ByteBuffer v = ByteBuffer.allocate(16);
        xattrs.read("jvmm", v);
        assertEquals("value", new String(v.array(), 0, v.position(), StandardCharsets.UTF_8));
        byte[] mm = Files.readAllBytes(rw.resolve("mm.bin"));
        byte[] want = new byte[8192];
        for (int i = 0; i < want.length; i++) want[i] = (byte) (i * 7 + 1);
        assertArrayEquals(want, mm, "the mmap write");
        assertFalse(Files.exists(ro.resolve("new")));
        assertEquals("from the host\n", Files.readString(ro.resolve("ro.txt")));
    }
}
