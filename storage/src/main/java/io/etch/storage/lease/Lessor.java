package io.etch.storage.lease;

import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The in-memory half of etcd's lessor ({@code lease/lessor.go}): expiry deadlines, kept only on the
 * leader. The persisted half (which leases exist, their TTLs and keys) is in the store; this class never
 * reads it, it is told ({@link #promote}, {@link #granted}, {@link #revoked}).
 *
 * <p>States and legal moves:
 * <pre>
 *   SECONDARY --promote(leases, extend)--> PRIMARY     (this member became leader)
 *   PRIMARY   --demote()-------------------> SECONDARY (this member stopped leading)
 *   PRIMARY   --promote(...)---------------> PRIMARY   (reload, e.g. after a raft snapshot install)
 *   SECONDARY --demote()-------------------> SECONDARY (no-op)
 * </pre>
 * A secondary keeps no deadlines: its leases never expire ({@link #expired} returns nothing) and it
 * answers {@link #renew}/{@link #timeToLive} with {@link NotPrimaryException}. A primary gives every
 * lease the deadline {@code now + TTL (+ extend on promote)}; with etcd 3.4's defaults (no checkpoints)
 * a new leader thus restarts every lease at its full TTL plus {@code extend}.
 *
 * <p>Time comes only from the injected {@link Clock}. Thread-safe (one monitor; futures are completed
 * outside it, so callers may hold their own locks while calling in).
 */
public final class Lessor {
    /** etcd's {@code leaseRevokeRate}: at most this many revokes per second. */
    public static final int REVOKE_RATE_PER_SECOND = 1000;
    /** etcd's {@code expiredLeaseRetryInterval}: an expired lease is offered again after this. */
    static final Duration RETRY_INTERVAL = Duration.ofSeconds(3);

    /** One queued check: lease {@code id} is due at {@code at}. */
    private record Due(Instant at, long id) {
    }

    private static final class Entry {
        final long ttlSeconds;
        Instant expiry;
        Due due;
        /** Completed when the lease is revoked or this lessor is demoted (renewals of an expired lease wait). */
        CompletableFuture<Long> gone;

        Entry(long ttlSeconds) {
            this.ttlSeconds = ttlSeconds;
        }
    }

    /** The answer to {@link #timeToLive}: remaining seconds (truncated, may be ≤ 0) and the granted TTL. */
    public record TimeToLive(long remainingSeconds, long grantedTtlSeconds) {
    }

    private final Clock clock;
    private final Map<Long, Entry> leases = new HashMap<>();
    private final TreeSet<Due> queue = new TreeSet<>(Comparator.comparing(Due::at).thenComparingLong(Due::id));
    private boolean primary;

    /** @param clock the only source of time (tests pass a fake one) */
    public Lessor(Clock clock) {
        this.clock = clock;
    }

    /** Whether this lessor is primary (its member leads). */
    public synchronized boolean isPrimary() {
        return primary;
    }

    /**
     * Becomes primary (etcd {@code Promote}): every lease in {@code all} gets the deadline
     * {@code now + TTL + extend}. With {@value #REVOKE_RATE_PER_SECOND} leases or more, deadlines that pile
     * up in one second beyond ¾ of the revoke rate are spread out as etcd does.
     *
     * @param all every lease in the store
     * @param extend added to every deadline (etcd passes the election timeout)
     */
    public void promote(Collection<Lease> all, Duration extend) {
        List<Runnable> wake;
        synchronized (this) {
            wake = clear(false);
            promoteLocked(all, extend);
        }
        wake.forEach(Runnable::run);
    }

    private void promoteLocked(Collection<Lease> all, Duration extend) {
        primary = true;
        Instant now = clock.instant();
        for (Lease l : all) {
            Entry e = new Entry(l.ttlSeconds());
            leases.put(l.id(), e);
            schedule(l.id(), e, now.plus(extend).plusSeconds(l.ttlSeconds()));
        }
        if (leases.size() >= REVOKE_RATE_PER_SECOND) {
            spreadPileUp(now, extend);
        }
    }

    /** etcd's Promote overlap adjustment. */
    private void spreadPileUp(Instant now, Duration extend) {
        List<Map.Entry<Long, Entry>> byExpiry = new ArrayList<>(leases.entrySet());
        byExpiry.sort(Comparator.comparing(en -> en.getValue().expiry));
        long second = 1_000_000_000L;
        long baseWindow = remainingNanos(byExpiry.get(0).getValue(), now);
        long nextWindow = baseWindow + second;
        int expires = 0;
        int target = 3 * REVOKE_RATE_PER_SECOND / 4;
        for (Map.Entry<Long, Entry> en : byExpiry) {
            long remaining = remainingNanos(en.getValue(), now);
            if (remaining > nextWindow) {
                baseWindow = remaining;
                nextWindow = baseWindow + second;
                expires = 1;
                continue;
            }
            expires++;
            if (expires <= target) {
                continue;
            }
            long delay = (long) (second * ((double) expires / target)) - (remaining - baseWindow);
            nextWindow = baseWindow + delay;
            schedule(en.getKey(), en.getValue(),
                    now.plusNanos(delay).plus(extend).plusSeconds(en.getValue().ttlSeconds));
        }
    }

    /**
     * Becomes secondary (etcd {@code Demote}): drops every deadline; renewals waiting on an expired lease
     * fail with {@link NotPrimaryException}.
     */
    public void demote() {
        List<Runnable> wake;
        synchronized (this) {
            wake = clear(true);
            primary = false;
        }
        wake.forEach(Runnable::run);
    }

    /** Drops everything; returns what wakes the renewals waiting on expired leases (run it unlocked). */
    private List<Runnable> clear(boolean notPrimary) {
        List<Runnable> wake = new ArrayList<>();
        for (Entry e : leases.values()) {
            if (e.gone != null) {
                CompletableFuture<Long> gone = e.gone;
                wake.add(() -> gone.completeExceptionally(notPrimary ? new NotPrimaryException()
                        : new EtcdException(EtcdError.LEASE_NOT_FOUND)));
            }
        }
        leases.clear();
        queue.clear();
        return wake;
    }

    /** A grant was committed: a primary starts its deadline at {@code now + TTL}; a secondary ignores it. */
    public void granted(Lease lease) {
        CompletableFuture<Long> wake = null;
        synchronized (this) {
            if (!primary) {
                return;
            }
            Entry old = leases.get(lease.id());
            if (old != null) {
                wake = forget(lease.id(), old);
            }
            Entry e = new Entry(lease.ttlSeconds());
            leases.put(lease.id(), e);
            schedule(lease.id(), e, clock.instant().plusSeconds(lease.ttlSeconds()));
        }
        notFound(wake);
    }

    /** A revoke was committed: the deadline is dropped; renewals waiting on it answer "not found". */
    public void revoked(long id) {
        CompletableFuture<Long> wake = null;
        synchronized (this) {
            Entry e = leases.get(id);
            if (e != null) {
                wake = forget(id, e);
            }
        }
        notFound(wake);
    }

    /** Drops the lease; returns the future of renewals waiting on it (complete it unlocked), or null. */
    private CompletableFuture<Long> forget(long id, Entry e) {
        leases.remove(id);
        queue.remove(e.due);
        return e.gone;
    }

    private static void notFound(CompletableFuture<Long> waiting) {
        if (waiting != null) {
            waiting.completeExceptionally(new EtcdException(EtcdError.LEASE_NOT_FOUND));
        }
    }

    private void schedule(long id, Entry e, Instant expiry) {
        e.expiry = expiry;
        requeue(id, e, expiry);
    }

    private void requeue(long id, Entry e, Instant at) {
        if (e.due != null) {
            queue.remove(e.due);
        }
        e.due = new Due(at, id);
        queue.add(e.due);
    }

    /**
     * etcd {@code lessor.Renew}: restarts the lease's deadline at {@code now + TTL}.
     *
     * @return completes with the granted TTL in seconds; exceptionally with {@link EtcdException}
     *     LEASE_NOT_FOUND when the lease is unknown, or with {@link NotPrimaryException} when this lessor is
     *     secondary. A lease already past its deadline is not renewed: the future completes when its
     *     revoke commits (LEASE_NOT_FOUND) or on demotion (NotPrimary).
     */
    public synchronized CompletableFuture<Long> renew(long id) {
        if (!primary) {
            return CompletableFuture.failedFuture(new NotPrimaryException());
        }
        Entry e = leases.get(id);
        if (e == null) {
            return CompletableFuture.failedFuture(new EtcdException(EtcdError.LEASE_NOT_FOUND));
        }
        Instant now = clock.instant();
        if (!now.isBefore(e.expiry)) {
            if (e.gone == null) {
                e.gone = new CompletableFuture<>();
            }
            return e.gone;
        }
        schedule(id, e, now.plusSeconds(e.ttlSeconds));
        return CompletableFuture.completedFuture(e.ttlSeconds);
    }

    /**
     * etcd {@code lessor.Lookup} for LeaseTimeToLive.
     *
     * @return empty when the lease is unknown
     * @throws NotPrimaryException when this lessor is secondary
     */
    public synchronized Optional<TimeToLive> timeToLive(long id) {
        if (!primary) {
            throw new NotPrimaryException();
        }
        Entry e = leases.get(id);
        if (e == null) {
            return Optional.empty();
        }
        long remaining = remainingNanos(e, clock.instant()) / 1_000_000_000L; // Go's int64(d.Seconds())
        return Optional.of(new TimeToLive(remaining, e.ttlSeconds));
    }

    private static long remainingNanos(Entry e, Instant now) {
        return Duration.between(now, e.expiry).toNanos();
    }

    /**
     * etcd {@code findExpiredLeases}: the leases whose deadline has passed, at most {@code limit}, earliest
     * first. Each one returned is offered again only after {@link #RETRY_INTERVAL} unless its revoke
     * commits first. Always empty on a secondary.
     *
     * @param limit maximum number of IDs to return (etcd: half the revoke rate per 500 ms check)
     */
    public synchronized List<Long> expired(int limit) {
        List<Long> out = new ArrayList<>();
        if (!primary) {
            return out;
        }
        Instant now = clock.instant();
        while (out.size() < limit && !queue.isEmpty()) {
            Due first = queue.first();
            if (first.at().isAfter(now)) {
                break;
            }
            Entry e = leases.get(first.id());
            if (e == null || e.due != first) {
                queue.pollFirst(); // stale
                continue;
            }
            requeue(first.id(), e, now.plus(RETRY_INTERVAL));
            out.add(first.id());
        }
        return out;
    }

    /** Number of leases with a deadline (0 on a secondary). */
    public synchronized int size() {
        return leases.size();
    }
}
