package io.jvmm.junit;

import java.time.Duration;

/**
 * When a started sandbox counts as ready. {@link Wait} has the usual ones; a strategy throws a
 * {@link JvmmSandboxException} saying what it waited for when {@code timeout} passes first.
 */
@FunctionalInterface
public interface WaitStrategy {
    void waitUntilReady(JvmmSandbox sandbox, Duration timeout) throws InterruptedException;

    /** This strategy, given at most {@code limit} (the sandbox's start-up timeout still applies too). */
    default WaitStrategy withStartupTimeout(Duration limit) {
        return (sandbox, timeout) -> waitUntilReady(sandbox, timeout.compareTo(limit) < 0 ? timeout : limit);
    }
}
