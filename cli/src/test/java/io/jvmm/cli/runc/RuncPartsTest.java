package io.jvmm.cli.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jvmm.runtime.state.ContainerRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pieces of jvmm-runc without a VM: status mapping, state JSON, log lines, signals, the list table. */
class RuncPartsTest {
    private static final Instant T = Instant.parse("2026-12-06T15:00:00Z");

    @Test
    void statusIsRuncsViewOfThePodAndItsContainer() {
        assertEquals("created", OciState.status(true, false, ContainerRecord.Status.CREATED));
        assertEquals("running", OciState.status(true, false, ContainerRecord.Status.RUNNING));
        assertEquals("paused", OciState.status(true, true, ContainerRecord.Status.RUNNING));
        assertEquals("paused", OciState.status(true, true, ContainerRecord.Status.CREATED));
        assertEquals("stopped", OciState.status(true, false, ContainerRecord.Status.EXITED));
        assertEquals("stopped", OciState.status(false, false, ContainerRecord.Status.RUNNING));
        assertEquals("stopped", OciState.status(false, false, ContainerRecord.Status.CREATED));
    }

    @Test
    void psTableIsPsOutputCutToThePids() {
        String ps = """
                UID          PID    PPID  C STIME TTY          TIME CMD
                root           1       0  0 10:00 ?        00:00:01 /sbin/init
                root          42       1  0 10:01 ?        00:00:00 java ... runc __waiter c1
                root         420      42  0 10:01 ?        00:00:00 other
                """;
        assertEquals(
                "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                        + "root          42       1  0 10:01 ?        00:00:00 java ... runc __waiter c1\n",
                RuncQuery.Ps.table(ps, List.of(42L)));
        RuncException e = assertThrows(RuncException.class, () -> RuncQuery.Ps.table("USER COMMAND\n", List.of(1L)));
        assertEquals("couldn't find PID field in ps output", e.getMessage());
    }

    @Test
    void stateIsTheSpecsObjectWithRuncsFields() {
        OciState s = new OciState("web", "running", 42, "/b", "/b/rootfs", T, "root", Map.of("k", "v"));
        assertEquals("""
                {
                  "ociVersion" : "1.2.0",
                  "id" : "web",
                  "pid" : 42,
                  "status" : "running",
                  "bundle" : "/b",
                  "rootfs" : "/b/rootfs",
                  "created" : "2026-12-06T15:00:00Z",
                  "annotations" : {
                    "k" : "v"
                  },
                  "owner" : "root"
                }""", s.text().replace("\r", ""));
        OciState bare = new OciState("web", "stopped", 0, "/b", "", T, "", Map.of());
        assertEquals(false, bare.json().has("annotations"));
    }

    @Test
    void logLinesAreLogrusOnes() {
        assertEquals(
                "{\"level\":\"error\",\"msg\":\"container \\\"x\\\" does not exist\",\"time\":\"2026-12-06T15:00:00Z\"}",
                RuncLog.line(RuncLog.Format.JSON, "error", "container \"x\" does not exist", T));
        assertEquals(
                "time=\"2026-12-06T15:00:00Z\" level=debug msg=\"a\\tb\"",
                RuncLog.line(RuncLog.Format.TEXT, "debug", "a\tb", T));
        RuncException e = assertThrows(RuncException.class, () -> RuncLog.Format.of("xml"));
        assertEquals("invalid log-format: xml (text or json)", e.getMessage());
    }

    @Test
    void signalsByNameOrNumber() {
        assertEquals(15, Signals.number("TERM"));
        assertEquals(9, Signals.number("sigkill"));
        assertEquals(10, Signals.number("10"));
        assertEquals(64, Signals.number("64"));
        assertEquals("USR2", Signals.name(12));
        for (String bad : List.of("0", "65", "FOO", "")) {
            RuncException e = assertThrows(RuncException.class, () -> Signals.number(bad));
            assertEquals("unknown signal \"" + bad + "\"", e.getMessage());
        }
    }

    @Test
    void listIsRuncsTable() {
        OciState a = new OciState("a", "created", 7, "/bundles/a", "", T, "root", Map.of());
        assertEquals("""
                ID          PID         STATUS      BUNDLE       CREATED                OWNER
                a           7           created     /bundles/a   2026-12-06T15:00:00Z   root
                """, RuncQuery.List.table(List.of(a)));
    }
}
