package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.image.LocalRegistry;
import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvmm run IMAGE} in a real guest (project kernel, agent as init), one boot: an OCI image built here
 * (busybox, three layers with a whiteout, an opaque directory, a hard link, a symlink, a setuid file owned by
 * 1000:1000; Entrypoint, Cmd, Env, WorkingDir, User) is pushed to a local docker-registry and pulled by
 * {@code run} (or imported when docker-registry/skopeo are missing), turned into an EROFS root image, booted,
 * and checked from inside through the agent with {@code jvmm exec}.
 */
@Tag("linux")
class ImageRunCliTest {
    @TempDir
    static Path home;

    @TempDir
    static Path work;

    private static VmStore store;
    private final CliRun cli = new CliRun();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        assumeTrue(
                Files.isRegularFile(OciTestImage.BUSYBOX),
                "skipped: /bin/busybox missing (apt-get install busybox-static)");
        store = VmProcessHome.open(home);
    }

    @AfterAll
    static void tearDown() {
        VmProcessHome.close(store);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private String out() {
        return cli.out();
    }

    private String err() {
        return cli.err();
    }

    private String exec(String... cmd) {
        String[] args = new String[cmd.length + 3];
        args[0] = "exec";
        args[1] = "img";
        args[2] = "--";
        System.arraycopy(cmd, 0, args, 3, cmd.length);
        assertEquals(0, run(args), String.join(" ", cmd) + ": " + err());
        return out();
    }

    static OciTestImage.Built image() throws Exception {
        byte[] bb = OciTestImage.busybox();
        OciTestImage.Layer base = new OciTestImage.Layer().dir("bin").file("bin/busybox", bb, 0755, 0, 0);
        for (String applet : List.of("sh", "ls", "cat", "stat", "id", "pwd", "echo", "sleep", "readlink", "test")) {
            base.symlink("bin/" + applet, "busybox");
        }
        base.dir("etc")
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
                .file("etc/group", "root:x:0:\napp:x:1000:\n")
                .file("etc/removed.txt", "whited out\n")
                .dir("tmp", 01777, 0, 0)
                .dir("root", 0700, 0, 0)
                .dir("opaque")
                .file("opaque/old1", "old\n")
                .dir("opaque/sub")
                .file("opaque/sub/old2", "old\n")
                .dir("data")
                .file("data/orig.txt", "linked content\n");
        OciTestImage.Layer changes = new OciTestImage.Layer()
                .whiteout("etc/removed.txt")
                .dir("opaque")
                .opaque("opaque")
                .file("opaque/new.txt", "new\n")
                .hardlink("data/link.txt", "data/orig.txt")
                .symlink("data/sym", "/data/orig.txt")
                .file("bin/suid", "#!/bin/sh\necho suid\n".getBytes(StandardCharsets.UTF_8), 04755, 1000, 1000);
        OciTestImage.Layer app = new OciTestImage.Layer().dir("work").file("work/hello.txt", "hello from the image\n");
        return OciTestImage.build(
                List.of(base, changes, app),
                OciTestImage.config(
                        List.of("/bin/sh", "-c"),
                        List.of("echo started; pwd; echo FOO=$FOO; id -u; exec sleep 1000"),
                        List.of("PATH=/bin", "FOO=bar"),
                        "/work",
                        "root",
                        List.of("8080/tcp")));
    }

    @Test
    void runAnImageAndCheckItsRootFromInside() throws Exception {
        OciTestImage.Built img = image();
        Path layout = OciTestImage.ociLayout(work.resolve("layout"), img, "1");
        String ref;
        LocalRegistry registry = null;
        boolean haveRegistry = LocalRegistry.missingTools() == null;
        try {
            if (haveRegistry) {
                registry = LocalRegistry.start(Files.createDirectories(work.resolve("registry")));
                registry.push(layout, "1", "guest/img:1");
                ref = registry.host() + "/guest/img:1";
            } else {
                System.out.println(
                        "ImageRunCliTest: docker-registry/skopeo missing; importing the image instead of pulling it");
                ref = "example.com/guest/img:1";
                assertEquals(0, run("image", "import", layout.toString(), ref), err());
            }

            // Not in the store: run pulls it (as docker run does), builds the root image, boots.
            assertEquals(0, run("run", "-d", "--name", "img", ref), err());
            String id = out().strip();
            assertTrue(VmRecord.isFullId(id), out());
            if (haveRegistry) assertTrue(err().contains("Unable to find image '" + ref + "' locally"), err());
            VmRecord r = store.resolve("img");
            assertEquals(
                    List.of("/bin/sh", "-c", "echo started; pwd; echo FOO=$FOO; id -u; exec sleep 1000"), r.command());
            assertEquals("/work", r.workdir());
            assertEquals("root", r.user());
            assertEquals(ref, r.imageRef());
            assertEquals(img.configDigest(), r.imageId());
            assertEquals(List.of("8080/tcp"), r.exposedPorts());
            assertEquals(
                    StateDirs.fromEnvironment()
                            .rootfsCacheFile(img.manifestDigest().substring(7))
                            .toString(),
                    r.image());

            // Whiteout: gone; the rest of /etc stays.
            String etc = exec("ls", "/etc");
            assertFalse(etc.contains("removed.txt"), etc);
            assertTrue(etc.contains("passwd"), etc);
            // Opaque directory: only the upper layer's content.
            assertEquals("new.txt\n", exec("ls", "/opaque"));
            // Hard link: one inode, two names.
            String[] inodes = exec("stat", "-c", "%i %h", "/data/orig.txt", "/data/link.txt")
                    .strip()
                    .split("\n");
            assertEquals(2, inodes.length);
            assertEquals(inodes[0], inodes[1]);
            assertTrue(inodes[0].endsWith(" 2"), "link count 2: " + inodes[0]);
            // Symlink.
            assertEquals("/data/orig.txt\n", exec("readlink", "/data/sym"));
            assertEquals("linked content\n", exec("cat", "/data/sym"));
            // Owner and mode (setuid) as in the tar header.
            assertEquals("1000:1000 4755\n", exec("stat", "-c", "%u:%g %a", "/bin/suid"));
            assertEquals("0:0 1777\n", exec("stat", "-c", "%u:%g %a", "/tmp"));
            // The image's Env, WorkingDir, User reach exec too (docker exec's defaults).
            assertEquals("bar\n", exec("sh", "-c", "echo $FOO"));
            assertEquals("/work\n", exec("pwd"));
            assertEquals("hello from the image\n", exec("cat", "hello.txt"));
            assertEquals(0, run("exec", "-w", "/", "img", "--", "pwd"), err());
            assertEquals("/\n", out());
            // Options stop at the VM, as docker's do: no "--" needed, and what follows is the command's.
            assertEquals(3, run("exec", "img", "sh", "-c", "ls -d /work; exit 3"), err());
            assertEquals("/work\n", out());

            // run IMAGE CMD without "--", in the foreground: -c is the command's, not run's, and the
            // workload's status and output are run's (the image's Entrypoint, sh -c, cleared first).
            assertEquals(4, run("run", "--rm", "--entrypoint", "", ref, "sh", "-c", "echo hi $FOO; exit 4"), err());
            assertEquals("hi bar\n", out());

            // The workload was Entrypoint + Cmd, with the image's env and working directory.
            String logs = "";
            for (int i = 0; i < 100 && !logs.contains("\n0\n"); i++) {
                assertEquals(0, run("logs", "img"), err());
                logs = out();
                Thread.sleep(100);
            }
            assertEquals("started\n/work\nFOO=bar\n0\n", logs);

            assertEquals(0, run("ps"));
            assertTrue(out().lines().anyMatch(l -> l.contains(" " + ref + " ") && l.contains("img")), out());
            assertEquals(1, run("image", "rm", ref));
            assertTrue(err().contains("in use by VM img"), err());

            assertEquals(0, run("stop", "-t", "2", "img"), err());
            assertEquals(0, run("rm", "img"), err());
            assertEquals(0, run("image", "rm", ref), err());
            assertFalse(Files.exists(Path.of(r.image())), "the cached root image went with the image");
        } finally {
            if (registry != null) registry.close();
        }
    }
}
