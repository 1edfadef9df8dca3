package io.jvmm.virtio.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Token buckets on a fake clock: a waiting thread's sleep advances it, so rates are exact and tests instant. */
class RateLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicLong slept = new AtomicLong();

    private RateLimiter limiter(RateLimit l) {
        return new RateLimiter(l, now::get, n -> {
            now.addAndGet(n);
            slept.addAndGet(n);
        });
    }

    /** Admits {@code bytes}-byte requests for {@code seconds} of fake time; returns the bytes admitted. */
    private long run(RateLimiter r, long bytes, long seconds) {
        long end = now.get() + seconds * 1_000_000_000L, total = 0;
        while (now.get() < end) {
            assertTrue(r.acquire(bytes, 1, () -> true, () -> {}));
            total += bytes;
        }
        return total;
    }

    @Test
    void unlimitedNeverWaits() {
        RateLimiter r = limiter(RateLimit.UNLIMITED);
        for (int i = 0; i < 1000; i++) assertTrue(r.acquire(1 << 20, 1, () -> true, () -> {}));
        assertEquals(0, slept.get());
    }

    @Test
    void bandwidthIsTheConfiguredRateAfterTheInitialBucket() {
        RateLimiter r = limiter(new RateLimit(new TokenBucket(1_000_000, Duration.ofMillis(100), 0), null)); // 10 MB/s
        long admitted = run(r, 65536, 10);
        long expected = 1_000_000 + 10 * 10_000_000L;
        assertTrue(
                Math.abs(admitted - expected) <= 2 * 65536,
                admitted + " bytes admitted in 10 s, expected about " + expected);
    }

    @Test
    void opsAreLimitedApartFromBytes() {
        RateLimiter r = limiter(new RateLimit(null, new TokenBucket(100, Duration.ofSeconds(1), 0))); // 100 ops/s
        long admitted = run(r, 1, 5);
        assertTrue(Math.abs(admitted - 600) <= 2, admitted + " ops in 5 s");
    }

    @Test
    void bothBucketsHold() {
        RateLimiter r = limiter(new RateLimit(TokenBucket.perSecond(1_000_000), TokenBucket.perSecond(10)));
        long admitted = run(r, 1000, 10); // ops bind: 10/s of 1000 bytes
        assertTrue(Math.abs(admitted - 110_000) <= 2000, admitted + " bytes");
    }

    @Test
    void aRequestLargerThanTheBucketPassesAndItsDebtDelaysTheNext() {
        RateLimiter r = limiter(new RateLimit(TokenBucket.perSecond(1000), null));
        assertTrue(r.acquire(5000, 1, () -> true, () -> {})); // full bucket: admitted, 4000 in debt
        assertEquals(0, slept.get());
        assertTrue(r.acquire(1, 1, () -> true, () -> {}));
        assertTrue(
                slept.get() >= 4_000_000_000L && slept.get() < 4_100_000_000L,
                "waited " + slept.get() + " ns for the debt");
    }

    @Test
    void theOneTimeBurstIsSpentFirstAndNotRefilled() {
        RateLimiter r = limiter(new RateLimit(new TokenBucket(1000, Duration.ofSeconds(1), 9000), null));
        for (int i = 0; i < 10; i++) assertTrue(r.acquire(1000, 1, () -> true, () -> {}));
        assertEquals(0, slept.get(), "burst + full bucket: 10000 bytes at once");
        assertTrue(r.acquire(1000, 1, () -> true, () -> {}));
        assertTrue(r.acquire(1000, 1, () -> true, () -> {}));
        assertTrue(slept.get() >= 900_000_000L, "then the rate: " + slept.get());
    }

    @Test
    void aStoppingDeviceIsNotHeldAndNotCharged() {
        RateLimiter r = limiter(new RateLimit(TokenBucket.perSecond(100), null));
        assertTrue(r.acquire(200, 1, () -> true, () -> {}));
        AtomicInteger before = new AtomicInteger();
        assertFalse(r.acquire(50, 1, () -> false, before::incrementAndGet));
        assertEquals(0, before.get(), "nothing to tell the guest when the device stops instead");
        AtomicInteger polls = new AtomicInteger();
        assertTrue(r.acquire(50, 1, () -> polls.incrementAndGet() < 1000, before::incrementAndGet));
        assertEquals(1, before.get(), "beforeWait runs once per acquire");
    }

    @Test
    void updateTakesEffectAtOnce() {
        RateLimiter r = limiter(new RateLimit(TokenBucket.perSecond(100), null));
        run(r, 100, 2);
        r.update(RateLimit.UNLIMITED);
        long t = slept.get();
        for (int i = 0; i < 100; i++) assertTrue(r.acquire(1 << 20, 1, () -> true, () -> {}));
        assertEquals(t, slept.get());
        r.update(new RateLimit(TokenBucket.perSecond(1_000_000), null));
        long admitted = run(r, 10_000, 3);
        assertTrue(Math.abs(admitted - 4_000_000) <= 20_000, admitted + " bytes");
        assertEquals(TokenBucket.perSecond(1_000_000), r.limit().bandwidth());
    }

    @Test
    void badBucketsNameTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, Duration.ofSeconds(1), 0))
                .getMessage()
                .contains("size"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, Duration.ZERO, 0))
                .getMessage()
                .contains("refill time"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, Duration.ofSeconds(1), -1))
                .getMessage()
                .contains("burst"));
    }
}
