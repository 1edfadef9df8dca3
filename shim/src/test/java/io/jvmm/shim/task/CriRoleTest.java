package io.jvmm.shim.task;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CriRoleTest {
    @Test
    void containerdsCriAnnotationsNameTheSandboxAndItsContainers() {
        assertEquals(
                new CriRole(CriRole.Kind.SANDBOX, "s1"),
                CriRole.of(
                        Map.of("io.kubernetes.cri.container-type", "sandbox", "io.kubernetes.cri.sandbox-id", "s1")));
        assertEquals(
                new CriRole(CriRole.Kind.MEMBER, "s1"),
                CriRole.of(
                        Map.of("io.kubernetes.cri.container-type", "container", "io.kubernetes.cri.sandbox-id", "s1")));
    }

    @Test
    void crioNamesThemItsOwnWay() {
        assertEquals(
                new CriRole(CriRole.Kind.MEMBER, "s2"),
                CriRole.of(Map.of(
                        "io.kubernetes.cri-o.ContainerType", "container", "io.kubernetes.cri-o.SandboxID", "s2")));
    }

    @Test
    void withoutThemOrWithoutASandboxATaskStandsAlone() {
        assertEquals(CriRole.STANDALONE, CriRole.of(Map.of()));
        assertEquals(CriRole.STANDALONE, CriRole.of(Map.of("io.kubernetes.cri.container-type", "container")));
        assertEquals(CriRole.STANDALONE, CriRole.of(Map.of("io.kubernetes.cri.container-type", "other")));
    }
}
