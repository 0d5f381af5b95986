package io.etch.storage.lease;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A {@link Clock} that never jumps: the wall time at construction plus {@link System#nanoTime()}
 * elapsed since. Lease deadlines use it so that a wall-clock step does not expire or extend leases
 * (Go's {@code time.Now()} carries a monotonic reading for the same reason). Thread-safe.
 */
public final class MonotonicClock extends Clock {
    private final Instant origin;
    private final long originNanos;

    public MonotonicClock() {
        this.origin = Instant.now();
        this.originNanos = System.nanoTime();
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(System.nanoTime() - originNanos);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
