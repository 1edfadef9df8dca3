package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.state.VmStore;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * What docker users type, against real guests (busybox root image, agent as init): commands without
 * {@code --}, docker's exit statuses.
 */
@Tag("linux")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerHabitsCliTest {
    @TempDir
    static Path home;

    private static Path rootfs;
    private static VmStore store;
    private final CliRun cli = new CliRun();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        store = VmProcessHome.open(home);
        rootfs = VmProcessHome.busyboxRoot();
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

    /** Waits (up to 60 s) for {@code condition}; false when it never held. */
    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50);
        }
        return true;
    }

    private static void assertOneLine(String err) {
        assertTrue(err.startsWith("jvmm: ") && err.strip().lines().count() == 1, err);
    }

    @Test
    @Order(1)
    void commandsWithoutDashDash() throws Exception {
        // Options stop at the first positional: -c and -l belong to the command, not to run.
        assertEquals(
                0,
                run("run", "-d", "--name", "web", "--rootfs", rootfs.toString(), "sh", "-c", "exec sleep 1000"),
                err());
        assertEquals(0, run("exec", "web", "ls", "-ld", "/"), err());
        assertTrue(out().startsWith("d"), out());
        assertEquals(5, run("exec", "web", "sh", "-c", "exit 5"), "the command's status passes through");
        assertEquals(0, run("exec", "-e", "X=1", "web", "--", "sh", "-c", "echo $X"), err());
        assertEquals("1\n", out(), "VM -- CMD still works");
        assertEquals(127, run("exec", "web", "no-such-program"));
        assertEquals(126, run("exec", "web", "/etc"), "found but not runnable");

        // jvmm's own errors: 125, one line.
        assertEquals(125, run("exec", "web"));
        assertOneLine(err());
        assertEquals(125, run("exec", "web", "--"));
        assertOneLine(err());
        assertEquals(125, run("exec", "nope", "true"));
        assertOneLine(err());
        assertEquals(125, run("run", "--no-such-flag", "--rootfs", rootfs.toString(), "true"));
        assertOneLine(err());

        // A foreground run without "--": its output and status.
        assertEquals(3, run("run", "--rm", "--rootfs", rootfs.toString(), "sh", "-c", "echo hi; exit 3"), err());
        assertEquals("hi\n", out());
        assertEquals(0, run("rm", "-f", "web"), err());
        assertTrue(store.list().isEmpty(), store.list().toString());
    }
}
