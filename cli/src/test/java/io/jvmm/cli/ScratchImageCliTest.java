package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.state.VmStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image like the {@code FROM scratch} images of static binaries, in real guests: three layers, no
 * {@code /etc/passwd} or {@code /etc/group}, a hard link and a whiteout across layers, no User. It runs
 * as 0:0 the way docker runs it, and a workload that cannot start says why in one line: on stderr in the
 * foreground, in {@code jvmm logs} and {@code ps} when detached. Three boots.
 */
@Tag("linux")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScratchImageCliTest {
    private static final String REF = "example.com/scratch/app:1";

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
        OciTestImage.Layer bin =
                new OciTestImage.Layer().dir("bin").file("bin/busybox", OciTestImage.busybox(), 0755, 0, 0);
        for (String applet : List.of("sh", "id", "cat", "echo", "sleep", "ls")) bin.symlink("bin/" + applet, "busybox");
        bin.dir("app").file("app/doomed.txt", "whited out\n").file("app/data.txt", "linked\n");
        OciTestImage.Layer links =
                new OciTestImage.Layer().whiteout("app/doomed.txt").hardlink("app/link.txt", "app/data.txt");
        OciTestImage.Layer app = new OciTestImage.Layer().dir("app").file("app/version", "1\n");
        OciTestImage.Built img = OciTestImage.build(
                List.of(bin, links, app),
                OciTestImage.config(
                        null,
                        List.of("sh", "-c", "echo $(id -u):$(id -g) HOME=$HOME; ls /app; exec sleep 1000"),
                        List.of("PATH=/bin"),
                        null,
                        null,
                        null));
        CliRun cli = new CliRun();
        assertEquals(
                0,
                cli.run(
                        "image",
                        "import",
                        OciTestImage.ociLayout(work.resolve("layout"), img, "1").toString(),
                        REF),
                cli.err());
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

    private String logs(String vm, String until) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            assertEquals(0, run("logs", vm), err());
            if ((out() + err()).contains(until)) break;
            Thread.sleep(100);
        }
        return out() + err();
    }

    @Test
    @Order(1)
    void runsAsRootWithoutPasswd() throws Exception {
        assertEquals(0, run("run", "-d", "--name", "scratch", REF), err());
        assertEquals("0:0 HOME=/\ndata.txt\nlink.txt\nversion\n", logs("scratch", "version"));

        assertEquals(0, run("exec", "scratch", "--", "sh", "-c", "echo $(id -u):$(id -g)"), err());
        assertEquals("0:0\n", out());
        assertEquals(0, run("exec", "-u", "1000", "scratch", "--", "sh", "-c", "echo $(id -u):$(id -g) $HOME"), err());
        assertEquals("1000:0 /\n", out(), "a uid the image does not list gets gid 0, as docker gives it");
        assertEquals(126, run("exec", "-u", "root", "scratch", "--", "id"));
        assertTrue(err().contains("unable to find user root"), "a user named explicitly must exist: " + err());

        assertEquals(0, run("stop", "-t", "2", "scratch"), err());
        assertEquals(0, run("rm", "scratch"), err());
    }

    @Test
    @Order(2)
    void aForegroundWorkloadThatCannotStartSaysWhy() {
        assertEquals(127, run("run", "--rm", REF, "--", "/no/such/program"));
        List<String> why = err().lines().filter(l -> l.startsWith("jvmm: ")).toList();
        assertEquals(1, why.size(), "one line names the cause: " + err());
        assertTrue(why.get(0).contains("/no/such/program") && why.get(0).contains("no such file"), why.get(0));

        assertEquals(126, run("run", "--rm", "-w", "/app/version", REF, "--", "true"));
        assertTrue(err().contains("chdir") && err().contains("/app/version"), err());
    }

    @Test
    @Order(3)
    void aDetachedWorkloadThatCannotStartSaysWhyInLogsAndPs() throws Exception {
        assertEquals(0, run("run", "-d", "--name", "bad", "-u", "nosuchuser", REF), err());
        String logs = logs("bad", "nosuchuser");
        assertTrue(logs.contains("jvmm: exec: unable to find user nosuchuser"), logs);
        String ps = "";
        for (int i = 0; i < 300 && !ps.contains("Exited"); i++) {
            assertEquals(0, run("ps", "-a"), err());
            ps = out();
            Thread.sleep(100);
        }
        assertTrue(ps.contains("Exited (126)"), ps);
        assertEquals(0, run("ps", "-a", "--format", "json"), err());
        assertTrue(
                out().contains("\"Error\"") && out().contains("exec: unable to find user nosuchuser"),
                "the state keeps the cause: " + out());
        assertEquals(0, run("rm", "bad"), err());
    }
}
