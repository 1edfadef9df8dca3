package io.jvmm.runtime.vmproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jvmm.runtime.EngineException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The embedded VM process's entry reads exactly what {@link VmLaunch} writes, and names anything else. */
class VmProcessMainTest {
    @Test
    void readsTheLaunchersArguments() {
        VmRun.Detached d = VmProcessMain.parse(new String[] {
            "__vm-process",
            "ab12",
            "--kernel",
            "/k/vmlinux",
            "--ready-timeout",
            "30",
            "--restore",
            "/s",
            "--network-fd",
            "3"
        });
        assertEquals(new VmRun.Detached("ab12", Path.of("/k/vmlinux"), 30, Path.of("/s"), 3, null), d);
        assertEquals(
                new VmRun.Detached("ab12", null, null, null, null, null),
                VmProcessMain.parse(new String[] {"__vm-process", "ab12"}));
        // a TAP joined to an engine's network namespace, with the interface it took over
        VmRun.Detached joined = VmProcessMain.parse(new String[] {
            "__vm-process",
            "ab12",
            "--network-fd",
            "3",
            "--network-interface",
            "eth0,6a:bc:5e:b4:3b:77,10.88.0.5/16,10.88.0.1,1500"
        });
        assertEquals(3, joined.networkFd());
        assertEquals("10.88.0.5/16", joined.networkInterface().cidr());
        assertEquals("10.88.0.1", joined.networkInterface().gateway());
    }

    @Test
    void aMalformedInterfaceOrOneWithoutItsTapIsAUsageError() {
        EngineException bad = assertThrows(
                EngineException.class,
                () -> VmProcessMain.parse(
                        new String[] {"__vm-process", "ab12", "--network-fd", "3", "--network-interface", "eth0"}));
        assertEquals("--network-interface: not NAME,MAC,CIDR,GATEWAY,MTU: eth0", bad.getMessage());
        EngineException alone = assertThrows(
                EngineException.class,
                () -> VmProcessMain.parse(new String[] {
                    "__vm-process", "ab12", "--network-interface", "eth0,6a:bc:5e:b4:3b:77,10.88.0.5/16,-,1500"
                }));
        assertEquals("--network-interface needs --network-fd, its TAP", alone.getMessage());
    }

    @Test
    void anythingElseIsAUsageError() {
        assertEquals(
                "expected __vm-process ID [options]",
                assertThrows(EngineException.class, () -> VmProcessMain.parse(new String[] {"run"}))
                        .getMessage());
        assertEquals(
                "unknown option --bogus",
                assertThrows(
                                EngineException.class,
                                () -> VmProcessMain.parse(new String[] {"__vm-process", "x", "--bogus", "1"}))
                        .getMessage());
        assertEquals(
                "--kernel needs a value",
                assertThrows(
                                EngineException.class,
                                () -> VmProcessMain.parse(new String[] {"__vm-process", "x", "--kernel"}))
                        .getMessage());
        assertEquals(
                "--network-fd expects a number, got three",
                assertThrows(
                                EngineException.class,
                                () -> VmProcessMain.parse(new String[] {"__vm-process", "x", "--network-fd", "three"}))
                        .getMessage());
    }
}
