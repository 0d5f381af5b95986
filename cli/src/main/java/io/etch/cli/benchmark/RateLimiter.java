package io.etch.cli.benchmark;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket of burst 1 ({@code rate.NewLimiter(r, 1)} in etcd's benchmark) that never blocks:
 * {@link #reserve()} books the next slot and says how long the caller must wait for it, so that
 * asynchronous clients can schedule their request instead of parking a thread. Thread-safe.
 */
final class RateLimiter {
    private final long intervalNanos;
    private final AtomicLong nextFree = new AtomicLong(Long.MIN_VALUE);

    /** @param perSecond permits per second; 0 or less means unlimited */
    RateLimiter(long perSecond) {
        this.intervalNanos = perSecond <= 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / perSecond;
    }

    boolean unlimited() {
        return intervalNanos == 0;
    }

    /** Reserves one permit; returns the nanoseconds to wait before using it (0 = now). */
    long reserve() {
        if (intervalNanos == 0) {
            return 0;
        }
        long now = System.nanoTime();
        while (true) {
            long prev = nextFree.get();
            long slot = prev == Long.MIN_VALUE ? now : Math.max(now, prev);
            if (nextFree.compareAndSet(prev, slot + intervalNanos)) {
                return slot - now;
            }
        }
    }
}
