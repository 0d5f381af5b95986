package io.etch.storage.lease;

/** etcd's bounds on lease TTLs ({@code lease/lessor.go MaxLeaseTTL}, {@code etcdserver/server.go minTTL}). */
public final class LeaseLimits {
    /** A grant with a larger TTL fails with {@code etcdserver: too large lease TTL}. */
    public static final long MAX_TTL_SECONDS = 9_000_000_000L;

    /** The minimum TTL with etcd's default flags (heartbeat 100 ms, election timeout 1000 ms). */
    public static final long DEFAULT_MIN_TTL_SECONDS = 2;

    private LeaseLimits() {
    }

    /**
     * etcd's minimum lease TTL: {@code ceil(((3 × electionTicks) / 2) × heartbeat)} in seconds, with
     * {@code electionTicks = electionTimeoutMs / heartbeatIntervalMs} (integer divisions, as etcd's).
     * 1000/100 → 2 s; 5000/500 → 8 s.
     *
     * @param electionTimeoutMs {@code --election-timeout}, positive
     * @param heartbeatIntervalMs {@code --heartbeat-interval}, positive
     */
    public static long minTtlSeconds(long electionTimeoutMs, long heartbeatIntervalMs) {
        long ticks = electionTimeoutMs / heartbeatIntervalMs;
        long minMs = (3 * ticks) / 2 * heartbeatIntervalMs;
        return (minMs + 999) / 1000;
    }
}
