package io.etch.raft;

import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etch.api.etchpb.LeaseRenewResult;
import io.etch.api.etchpb.LeaseTimeToLiveResult;
import io.etch.api.etchpb.RaftCommand;
import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import io.etch.storage.MvccStore;
import io.etch.storage.lease.Lease;
import io.etch.storage.lease.LeaseIdGenerator;
import io.etch.storage.lease.LeaseLimits;
import io.etch.storage.lease.LeaseListener;
import io.etch.storage.lease.Lessor;
import io.etch.storage.lease.NotPrimaryException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ties the {@link Lessor} to raft, as etcd's {@code EtcdServer} does with its lessor:
 * <ul>
 *   <li>leadership: {@code onLeaderStart} promotes (every lease restarts at TTL + election timeout),
 *       {@code onLeaderStop} demotes; followers keep no deadlines and never expire anything;</li>
 *   <li>commits: the store reports committed grants/revokes, which start/stop deadlines on the leader;</li>
 *   <li>expiry: every 500 ms the leader proposes a {@code LeaseRevoke} for each expired lease (at most 500
 *       per check, etcd's rate); the revoke, not the clock, deletes the keys when it is applied;</li>
 *   <li>requests that only the leader can answer ({@link #renew}, {@link #timeToLive}) run locally on the
 *       primary and are forwarded to the leader over the peer port otherwise (etcd's leasehttp), retried
 *       while there is no leader, up to the request timeout.</li>
 * </ul>
 * Thread-safe.
 */
public final class LeaseCoordinator implements RaftListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseCoordinator.class);
    static final long CHECK_INTERVAL_MS = 500;
    static final int REVOKES_PER_CHECK = Lessor.REVOKE_RATE_PER_SECOND / 2;
    private static final long RETRY_DELAY_MS = 25;

    private final RaftMember member;
    private final StoreHolder stores;
    private final Lessor lessor;
    private final LeaseIdGenerator ids;
    private final long minTtlSeconds;
    private final Duration extend;
    private final long requestTimeoutMs;
    private final ScheduledExecutorService timer;

    LeaseCoordinator(RaftMember member, StoreHolder stores, RaftConfig config, Clock clock) {
        this.member = member;
        this.stores = stores;
        this.lessor = new Lessor(clock);
        this.ids = new LeaseIdGenerator(config.self().id(), clock.instant());
        this.minTtlSeconds = LeaseLimits.minTtlSeconds(config.electionTimeoutMs(), config.heartbeatIntervalMs());
        this.extend = Duration.ofMillis(config.electionTimeoutMs());
        this.requestTimeoutMs = config.requestTimeoutMs();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etch-lessor");
            t.setDaemon(true);
            return t;
        });
        configure(stores.applyStore());
        timer.scheduleWithFixedDelay(this::revokeExpired, CHECK_INTERVAL_MS, CHECK_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private void configure(MvccStore store) {
        store.setMinLeaseTtl(minTtlSeconds);
        store.setLeaseListener(new LeaseListener() {
            @Override
            public void granted(Lease lease) {
                lessor.granted(lease);
            }

            @Override
            public void revoked(long id) {
                lessor.revoked(id);
            }
        });
    }

    // ---- raft hooks (state-machine thread) ----

    @Override
    public void onLeaderStart(long term) {
        lessor.promote(stores.applyStore().leases(), extend);
        LOG.info("lessor promoted in term {} with {} leases", term, lessor.size());
    }

    @Override
    public void onLeaderStop() {
        lessor.demote();
    }

    @Override
    public void onStoreReplaced() {
        configure(stores.applyStore());
        if (lessor.isPrimary()) {
            lessor.promote(stores.applyStore().leases(), extend);
        }
    }

    private void revokeExpired() {
        try {
            for (long id : lessor.expired(REVOKES_PER_CHECK)) {
                member.propose(RaftCommand.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)))
                        .whenComplete((r, e) -> {
                            if (e != null) {
                                LOG.warn("revoking expired lease {} failed: {}", Long.toHexString(id), e.toString());
                            }
                        });
            }
        } catch (RuntimeException e) {
            LOG.warn("lease expiry check failed", e);
        }
    }

    // ---- client-facing operations ----

    /** A fresh positive lease ID for a LeaseGrant with {@code ID == 0} (etcd's reqIDGen). */
    public long nextId() {
        return ids.next();
    }

    /**
     * etcd {@code EtcdServer.LeaseRenew}: renews on the leader (forwarding from a follower).
     *
     * @return the granted TTL in seconds; completes exceptionally with {@link EtcdException}
     *     LEASE_NOT_FOUND for an unknown lease, or TIMEOUT when no leader answered in the request timeout
     */
    public CompletableFuture<Long> renew(long id) {
        return routed(() -> lessor.renew(id),
                (host, port, ms) -> member.forwarder().renew(host, port, id, ms).thenApply(r -> {
                    if (!r.getError().isEmpty()) {
                        throw error(r.getError());
                    }
                    return r.getTTL();
                }));
    }

    /**
     * etcd {@code EtcdServer.LeaseTimeToLive}, answered by the leader.
     *
     * @return {@code {ID, TTL (remaining, truncated seconds), grantedTTL, keys if asked}} without header, or
     *     empty when the lease does not exist; exceptionally TIMEOUT as for {@link #renew}
     */
    public CompletableFuture<Optional<LeaseTimeToLiveResponse>> timeToLive(LeaseTimeToLiveRequest request) {
        return routed(() -> CompletableFuture.completedFuture(timeToLiveAsLeader(request)),
                (host, port, ms) -> member.forwarder().timeToLive(host, port, request, ms).thenApply(r -> {
                    if (EtcdError.LEASE_NOT_FOUND.name().equals(r.getError())) {
                        return Optional.<LeaseTimeToLiveResponse>empty();
                    }
                    if (!r.getError().isEmpty()) {
                        throw error(r.getError());
                    }
                    return Optional.of(r.getResponse());
                }));
    }

    private Optional<LeaseTimeToLiveResponse> timeToLiveAsLeader(LeaseTimeToLiveRequest request) {
        return lessor.timeToLive(request.getID()).map(t -> {
            LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder().setID(request.getID())
                    .setTTL(t.remainingSeconds()).setGrantedTTL(t.grantedTtlSeconds());
            if (request.getKeys()) {
                b.addAllKeys(stores.read(s -> s.leaseKeys(request.getID())));
            }
            return b.build();
        });
    }

    // ---- the leader's end of forwarding (ForwardService) ----

    CompletableFuture<LeaseRenewResult> renewForPeer(long id) {
        return lessor.renew(id).handle((ttl, e) -> e == null ? LeaseRenewResult.newBuilder().setTTL(ttl).build()
                : LeaseRenewResult.newBuilder().setError(errorName(e)).build());
    }

    LeaseTimeToLiveResult timeToLiveForPeer(LeaseTimeToLiveRequest request) {
        try {
            return timeToLiveAsLeader(request).map(r -> LeaseTimeToLiveResult.newBuilder().setResponse(r).build())
                    .orElseGet(() -> LeaseTimeToLiveResult.newBuilder().setError(EtcdError.LEASE_NOT_FOUND.name())
                            .build());
        } catch (RuntimeException e) {
            return LeaseTimeToLiveResult.newBuilder().setError(errorName(e)).build();
        }
    }

    private static String errorName(Throwable e) {
        Throwable c = unwrap(e);
        if (c instanceof EtcdException ee) {
            return ee.error().name();
        }
        if (c instanceof NotPrimaryException) {
            return EtcdError.NOT_LEADER.name();
        }
        return EtcdError.TIMEOUT.name();
    }

    private static EtcdException error(String name) {
        return new EtcdException(EtcdError.valueOf(name));
    }

    private static Throwable unwrap(Throwable e) {
        Throwable c = e;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    // ---- routing to the leader ----

    /** A call to the leader's peer port. */
    @FunctionalInterface
    interface PeerCall<T> {
        CompletableFuture<T> call(String host, int port, long timeoutMs);
    }

    /**
     * Runs {@code local} when this member's lessor is primary, else {@code remote} against the leader;
     * "not primary" / "not leader" / unreachable leader / no leader are retried every 25 ms until the
     * request timeout (etcd's loop in {@code LeaseRenew}), then TIMEOUT.
     */
    private <T> CompletableFuture<T> routed(java.util.function.Supplier<CompletableFuture<T>> local, PeerCall<T> remote) {
        CompletableFuture<T> out = new CompletableFuture<>();
        attempt(local, remote, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs), out);
        return out;
    }

    private <T> void attempt(java.util.function.Supplier<CompletableFuture<T>> local, PeerCall<T> remote,
                             long deadlineNanos, CompletableFuture<T> out) {
        long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (remainingMs <= 0) {
            out.completeExceptionally(new EtcdException(EtcdError.TIMEOUT));
            return;
        }
        CompletableFuture<T> step;
        if (lessor.isPrimary()) {
            step = safely(local);
        } else {
            RaftMember.LeaderEndpoint leader = member.leaderEndpoint();
            if (leader == null || leader.self()) { // no leader, or leading but not yet promoted
                retry(local, remote, deadlineNanos, out);
                return;
            }
            step = safely(() -> remote.call(leader.host(), leader.port(), remainingMs));
        }
        step.whenComplete((v, e) -> {
            if (e == null) {
                out.complete(v);
                return;
            }
            Throwable c = unwrap(e);
            if (c instanceof EtcdException ee && ee.error() == EtcdError.LEASE_NOT_FOUND) {
                out.completeExceptionally(ee);
            } else if (c instanceof EtcdException ee && ee.error() == EtcdError.STOPPED) {
                out.completeExceptionally(ee);
            } else {
                retry(local, remote, deadlineNanos, out); // not primary, not leader, peer unreachable
            }
        });
    }

    private <T> void retry(java.util.function.Supplier<CompletableFuture<T>> local, PeerCall<T> remote,
                           long deadlineNanos, CompletableFuture<T> out) {
        try {
            timer.schedule(() -> attempt(local, remote, deadlineNanos, out), RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            out.completeExceptionally(new EtcdException(EtcdError.STOPPED));
        }
    }

    private static <T> CompletableFuture<T> safely(java.util.function.Supplier<CompletableFuture<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The lessor, for tests and metrics. */
    Lessor lessor() {
        return lessor;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
