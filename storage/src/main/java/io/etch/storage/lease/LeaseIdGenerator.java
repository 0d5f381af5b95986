package io.etch.storage.lease;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * etcd's request/lease ID generator ({@code pkg/idutil/id.go}): {@code memberId[low 16 bits] << 48 |
 * (unix millis[low 40 bits] << 8 + counter)[low 48 bits]}, masked to a positive int64 and never 0 (what
 * {@code EtcdServer.LeaseGrant} does for {@code ID == 0}). IDs from different members differ in the top
 * bits; IDs from one member increase. Thread-safe.
 *
 * <p>Example: member {@code 0x…2040}, started at unix millis {@code 0xa1fcf89017}, first ID
 * {@code 0x2040a1fcf8901701}.
 */
public final class LeaseIdGenerator {
    private static final int SUFFIX_BITS = 48;
    private static final long SUFFIX_MASK = (1L << SUFFIX_BITS) - 1;

    private final long prefix;
    private final AtomicLong suffix;

    /**
     * @param memberId this member's etcd ID (only its low 16 bits are used)
     * @param now the start time (only its unix milliseconds' low 40 bits are used)
     */
    public LeaseIdGenerator(long memberId, Instant now) {
        this.prefix = (memberId & 0xffffL) << SUFFIX_BITS;
        long millis = now.toEpochMilli() & ((1L << 40) - 1);
        this.suffix = new AtomicLong(millis << 8);
    }

    /** The next positive lease ID. */
    public long next() {
        while (true) {
            long id = (prefix | (suffix.incrementAndGet() & SUFFIX_MASK)) & Long.MAX_VALUE;
            if (id != 0) {
                return id;
            }
        }
    }
}
