package io.jvmm.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shim's command line as containerd 1.6 writes it, Go flag syntax, and where the shim keeps things. */
class ShimFlagsTest {
    @Test
    void containerdsStartLineParses() {
        ShimFlags f = ShimFlags.parse(new String[] {
            "-namespace", "k8s.io", "-address", "/run/containerd/containerd.sock", "-publish-binary",
            "/usr/bin/containerd", "-id", "abc", "-debug", "start"
        });
        assertEquals("k8s.io", f.namespace());
        assertEquals("abc", f.id());
        assertEquals("/run/containerd/containerd.sock", f.address());
        assertEquals("/usr/bin/containerd", f.publishBinary());
        assertTrue(f.debug());
        assertEquals("start", f.command());
    }

    @Test
    void equalsFormsDoubleDashesAndTheDeleteBundle() {
        ShimFlags f = ShimFlags.parse(new String[] {"--namespace=default", "-id=t1", "-bundle", "/b", "delete"});
        assertEquals("default", f.namespace());
        assertEquals("t1", f.id());
        assertEquals("/b", f.bundle());
        assertEquals("delete", f.command());
        assertEquals("version", ShimFlags.parse(new String[] {"-v"}).command());
        assertEquals("info", ShimFlags.parse(new String[] {"-info"}).command());
    }

    @Test
    void badLinesSayWhatIsWrong() {
        assertEquals(
                "flag provided but not defined: -bogus",
                assertThrows(IllegalArgumentException.class, () -> ShimFlags.parse(new String[] {"-bogus", "start"}))
                        .getMessage());
        assertEquals(
                "flag needs an argument: -id",
                assertThrows(IllegalArgumentException.class, () -> ShimFlags.parse(new String[] {"start", "-id"}))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShimFlags.parse(new String[] {}));
        assertThrows(IllegalArgumentException.class, () -> ShimFlags.parse(new String[] {"start", "delete"}));
    }

    @Test
    void namespaceAndIdMustBeSafeNames() {
        for (String[] bad : List.of(
                new String[] {"-namespace", "../x", "-id", "t", "start"},
                new String[] {"-namespace", "ns", "-id", "a/b", "start"},
                new String[] {"-namespace", "", "-id", "t", "start"},
                new String[] {"-namespace", "ns", "-id", "x".repeat(77), "start"})) {
            ShimFlags f = ShimFlags.parse(bad);
            assertThrows(IllegalArgumentException.class, f::requireTask, String.join(" ", bad));
        }
        ShimFlags.parse(new String[] {"-namespace", "k8s.io", "-id", "x".repeat(76), "start"})
                .requireTask();
    }

    @Test
    void serveGetsWhatStartKnew() {
        ShimFlags f =
                ShimFlags.parse(new String[] {"-namespace", "ns", "-id", "t", "-address", "/a", "-debug", "start"});
        ShimFlags again = ShimFlags.parse(f.forServe("/s/sock").toArray(String[]::new));
        assertEquals(new ShimFlags("ns", "t", "/a", "", "", true, "/s/sock", "serve"), again);
    }

    @Test
    void socketsAreShortDistinctAndStable() {
        ShimPaths paths = ShimPaths.fromEnvironment(Map.of());
        assertEquals(Path.of("/run/jvmm-shim"), paths.root());
        Path a = paths.socket("/run/containerd/containerd.sock", "default", "t1");
        assertEquals(a, paths.socket("/run/containerd/containerd.sock", "default", "t1"));
        assertTrue(!a.equals(paths.socket("/run/containerd/containerd.sock", "k8s.io", "t1")));
        assertTrue(!a.equals(paths.socket("/other.sock", "default", "t1")));
        assertTrue(a.toString().length() < 108, a.toString());
        assertEquals(
                Path.of("/srv/shim/ns/k8s.io"),
                ShimPaths.fromEnvironment(Map.of(ShimPaths.ROOT_ENV, "/srv/shim"))
                        .stateHome("k8s.io"));
    }
}
