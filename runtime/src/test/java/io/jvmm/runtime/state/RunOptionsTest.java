package io.jvmm.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.virtio.ratelimit.RateLimit;
import org.junit.jupiter.api.Test;

/** The option records a VM carries: --security-opt, the rate limits. */
class RunOptionsTest {
    @Test
    void securityOptions() {
        SecurityOptions o = SecurityOptions.DEFAULT;
        assertTrue(o.landlock() && o.seccomp() && !o.dropsPrivileges());
        o = o.with("seccomp=unconfined").with("vmm-user=65534:100");
        assertTrue(o.landlock() && !o.seccomp());
        assertEquals(65534, o.uid());
        assertEquals(100, o.gid());
        assertTrue(o.with("landlock=unconfined").with("seccomp=default").seccomp());
        assertThrows(IllegalArgumentException.class, () -> SecurityOptions.DEFAULT.with("seccomp"));
        assertThrows(IllegalArgumentException.class, () -> SecurityOptions.DEFAULT.with("vmm-user=nobody"));
        assertThrows(IllegalArgumentException.class, () -> SecurityOptions.DEFAULT.with("vmm-user=1:"));
        assertThrows(IllegalArgumentException.class, () -> new SecurityOptions(true, true, 5, -1));
    }

    @Test
    void rateLimitSpecs() {
        RateLimit l = RateLimitSpec.parse("bw=10m,ops=500");
        assertEquals(10L << 20, l.bandwidth().size());
        assertEquals(500, l.ops().size());
        assertNull(RateLimitSpec.parse("ops=5").bandwidth());
        assertTrue(RateLimitSpec.parse("none").unlimited());
        assertNull(RateLimitSpec.parse(null));
        assertThrows(IllegalArgumentException.class, () -> RateLimitSpec.parse("bw=ten"));
        assertThrows(IllegalArgumentException.class, () -> RateLimitSpec.parse("ops=-1"));
        assertThrows(IllegalArgumentException.class, () -> RateLimitSpec.parse("iops=5"));
    }

    @Test
    void limitOptionsKeepWhatWasTypedAndForgetNone() {
        LimitOptions l = new LimitOptions("bw=1m", null, "ops=100");
        assertEquals("bw=1m", l.disk());
        l = l.with("none", "bw=5m", null);
        assertNull(l.disk());
        assertEquals("bw=5m", l.netRx());
        assertEquals("ops=100", l.netTx());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new LimitOptions(null, "speed=1", null));
        assertTrue(e.getMessage().startsWith("net-rx limit: unknown limit"), e.getMessage());
    }
}
