package io.jvmm.benchmarks;

import io.jvmm.virtio.ratelimit.RateLimit;
import io.jvmm.virtio.ratelimit.RateLimiter;
import io.jvmm.virtio.ratelimit.TokenBucket;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a rate limiter costs a virtio request that it does not hold back: {@code acquire} on an
 * unlimited limiter (every drive and net direction without a limit) and on one whose buckets never
 * run dry, against doing nothing. A virtio-blk request costs microseconds, so these nanoseconds say
 * whether an unlimited device is affected.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RateLimiterBenchmark {
    private final RateLimiter unlimited = RateLimiter.unlimited();
    private final RateLimiter neverDry =
            RateLimiter.of(new RateLimit(TokenBucket.perSecond(1L << 50), TokenBucket.perSecond(1L << 50)));

    @Benchmark
    public boolean baseline() {
        return true;
    }

    @Benchmark
    public boolean unlimited() {
        return unlimited.acquire(65536, 1, () -> true, () -> {});
    }

    @Benchmark
    public boolean limitNotReached() {
        return neverDry.acquire(65536, 1, () -> true, () -> {});
    }
}
