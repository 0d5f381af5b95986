package io.etch.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.closure.ReadIndexClosure;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.option.ReadOnlyOption;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.JRaftUtils;
import io.etch.api.etchpb.ForwardGrpc;
import io.etch.api.etchpb.MemberAttributes;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftResult;
import io.etch.raft.transport.GrpcRpcServer;
import io.etch.raft.transport.PeerChannels;
import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd member's raft side: the jraft node over our gRPC peer transport, the state machine over the
 * store, and the two things the API needs from raft: {@link #propose} (writes, from any member: a
 * follower forwards to the leader over the peer port) and {@link #readBarrier} (linearizable reads by
 * read index, on any member).
 *
 * <p>Lifecycle: construct, {@link #start()}, {@link #close()}. Thread-safe after start.
 */
public final class RaftMember implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftMember.class);
    private static final String GROUP = "etch";
    private static final long RETRY_DELAY_MS = 25;
    private static final long COMMIT_NUDGE_DELAY_MS = 2;
    /**
     * A clean stop takes a raft snapshot when at least this many entries (or {@code --snapshot-count}, if
     * smaller) were applied since the last one, so that the next start does not read them back from the
     * raft log only to skip them (they are at or below the store's consistent index).
     */
    private static final long SHUTDOWN_SNAPSHOT_MIN_ENTRIES = 10_000;
    private static final long SHUTDOWN_SNAPSHOT_TIMEOUT_MS = 10_000;

    private final RaftConfig config;
    private final StoreHolder stores;
    private final MemberDirectory directory = new MemberDirectory();
    private final RaftRoleListener roles = new RaftRoleListener();
    private final PeerChannels channels = new PeerChannels();
    private final ScheduledExecutorService timer;
    private final AtomicLong nextProposalId = new AtomicLong();
    /** The index of the latest raft snapshot (loaded at start or taken since); paces the next one. */
    private final AtomicLong lastSnapshotIndex = new AtomicLong();
    private final AtomicBoolean snapshotting = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Forwarder forwarder;
    private final AppliedIndexWaiters appliedWaiters = new AppliedIndexWaiters();
    private final RaftLogFactory logFactory = new RaftLogFactory();
    private final CommitLearner commitLearner = new CommitLearner(() -> this.node, logFactory::termInLog);
    private final ForwardedProposals forwardedProposals = new ForwardedProposals();
    private final CommitPush commitPush = new CommitPush(CommitPush.jraftLeader(() -> this.node),
            () -> roles.leaderTerm() >= 0);
    private RaftGroupService group;
    private GrpcRpcServer rpcServer;
    private volatile Node node;
    private final ReadIndexes readIndexes = new ReadIndexes(() -> this.node, appliedWaiters, GROUP);
    private final java.util.List<RaftListener> pendingListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final LeaseCoordinator leases;

    /**
     * @param config raft settings for this member
     * @param stores the member's store (owned by the caller, closed after this member)
     */
    public RaftMember(RaftConfig config, StoreHolder stores) {
        this.config = config;
        this.stores = stores;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etch-raft-timer");
            t.setDaemon(true);
            return t;
        });
        this.nextProposalId.set((config.self().id() & 0xffffL) << 48 | (System.nanoTime() & 0xffffffffffL));
        this.forwarder = new Forwarder(channels);
        this.leases = new LeaseCoordinator(this, stores, config, new io.etch.storage.lease.MonotonicClock());
        pendingListeners.add(leases);
    }

    /** The lease side of this member: ID generation, keep-alive and time-to-live routed to the leader. */
    public LeaseCoordinator leases() {
        return leases;
    }

    Forwarder forwarder() {
        return forwarder;
    }

    /** The leader's peer endpoint as this member knows it; {@code self} when this member leads. */
    record LeaderEndpoint(String host, int port, boolean self) {
    }

    /** The current leader's peer endpoint, or null when there is none. */
    LeaderEndpoint leaderEndpoint() {
        Node n = node;
        if (n == null) {
            return null;
        }
        PeerId leader = n.getLeaderId();
        if (leader == null || leader.isEmpty()) {
            return null;
        }
        return new LeaderEndpoint(leader.getEndpoint().getIp(), leader.getEndpoint().getPort(),
                leader.equals(n.getNodeId().getPeerId()));
    }

    /**
     * Starts the peer port and the raft node, and publishes this member's name and client URLs through
     * raft once a leader is known (etcd {@code EtcdServer.publish}).
     *
     * @param clientUrls this member's {@code --advertise-client-urls}
     * @throws IOException when the raft directories cannot be created
     * @throws java.net.BindException (an IOException) when the peer port cannot be bound, as etcd exits with
     *     "bind: address already in use"; jraft itself would go on without its server
     */
    public void start(List<String> clientUrls) throws IOException {
        Files.createDirectories(config.dataDir().resolve("log"));
        Files.createDirectories(config.dataDir().resolve("meta"));
        Files.createDirectories(config.dataDir().resolve("snapshot"));
        lastSnapshotIndex.set(stores.read(s -> s.consistentIndex()));
        appliedWaiters.applied(lastSnapshotIndex.get());

        RaftLogTuning.apply();
        EtchStateMachine fsm = new EtchStateMachine(stores, directory, config.members(), roles, this::afterApply,
                forwardedProposals);
        pendingListeners.forEach(fsm::addListener);
        NodeOptions options = new NodeOptions();
        options.setFsm(fsm);
        options.setElectionTimeoutMs(config.electionTimeoutMs());
        // jraft pings a peer it has no connection to before each (pre-)vote, on the election timer's
        // thread, and waits up to this long (1 s by default) for the answer: a peer still starting up
        // must not hold a campaign back that long. Two heartbeats, as the first election timeout.
        options.setRpcConnectTimeoutMs(Math.min(options.getRpcConnectTimeoutMs(), FirstElection.timeoutMs(config)));
        options.setServiceFactory(logFactory);
        logFactory.onAppended(commitLearner::appended);
        options.setLogUri(config.dataDir().resolve("log").toString());
        options.setRaftMetaUri(config.dataDir().resolve("meta").toString());
        options.setSnapshotUri(config.dataDir().resolve("snapshot").toString());
        options.setSnapshotIntervalSecs(0); // snapshots are triggered by --snapshot-count, see afterApply
        Configuration initial = new Configuration();
        for (ClusterMember m : config.members()) {
            initial.addPeer(PeerId.parsePeer(m.endpoint()));
        }
        options.setInitialConf(initial);
        RaftOptions raftOptions = new RaftOptions();
        raftOptions.setSync(true);
        raftOptions.setElectionHeartbeatFactor(Math.max(2, config.electionTimeoutMs() / config.heartbeatIntervalMs()));
        raftOptions.setReadOnlyOptions(ReadOnlyOption.ReadOnlySafe);
        int electionDelayMs = raftOptions.getMaxElectionDelayMs();
        raftOptions.setMaxElectionDelayMs(Math.min(electionDelayMs, FirstElection.timeoutMs(config)));
        options.setRaftOptions(raftOptions);

        rpcServer = new GrpcRpcServer(config.listenPeerHost(), config.listenPeerPort());
        java.util.concurrent.Executor raftRpcExecutor =
                JRaftUtils.createExecutor("etch-raft-rpc-", options.getRaftRpcThreadPoolSize());
        RaftRpcServerFactory.addRaftRequestProcessors(rpcServer, raftRpcExecutor,
                JRaftUtils.createExecutor("etch-raft-cli-", options.getCliRpcThreadPoolSize()));
        readIndexes.registerOn(rpcServer, raftRpcExecutor); // a voter's read index counts as its acknowledgement
        // a follower's forwarded batches are proposed on the transport thread: Node#apply only enqueues
        rpcServer.addService(new ForwardService(this),
                Set.of(ForwardGrpc.getProposeStreamMethod().getFullMethodName()));

        if (!rpcServer.init(null)) {
            rpcServer.shutdown();
            throw new java.net.BindException("cannot listen on the peer port " + config.listenPeerHost() + ":"
                    + config.listenPeerPort() + " (in use, or not a local address)");
        }
        PeerId self = PeerId.parsePeer(config.self().endpoint());
        group = new RaftGroupService(GROUP, self, options, rpcServer);
        node = group.start(true);
        // a read index the leader has not answered in two election timeouts is asked again, so that one lost
        // request does not hold every read of this member for a whole request timeout
        readIndexes.start(node, 2L * config.electionTimeoutMs());
        if (!commitPush.listenTo(node)) {
            LOG.warn("the raft client is not Etch's peer transport: followers learn commit indexes the slower way");
        }
        JraftSignals.disableDescribeDump();
        if (fsm.loadedSnapshotIndex() > 0) {
            lastSnapshotIndex.set(fsm.loadedSnapshotIndex());
        }
        connectPeers();
        FirstElection.shorten(node, raftOptions, electionDelayMs, config, timer,
                () -> roles.leaderChanges() > 0 || closed.get(), closed::get);
        LOG.info("raft member {} ({}) started on {}", config.self().name(),
                MemberIds.hex(config.self().id()), config.self().endpoint());
        publish(MemberAttributes.newBuilder()
                .setMemberId(config.self().id())
                .setName(config.self().name())
                .addAllClientUrls(clientUrls)
                .build());
    }

    /**
     * Starts connecting to every peer now rather than at the first pre-vote or append: the connection (and
     * the classes behind it) are ready by the time the election timer fires.
     */
    private void connectPeers() {
        if (!(node instanceof NodeImpl impl) || impl.getRpcService() == null) {
            return;
        }
        for (ClusterMember m : config.members()) {
            if (m.id() != config.self().id()) {
                try {
                    impl.getRpcService().checkConnection(PeerId.parsePeer(m.endpoint()).getEndpoint(), true);
                } catch (RuntimeException e) {
                    LOG.debug("cannot start connecting to {}", m.endpoint(), e);
                }
            }
        }
    }

    private void publish(MemberAttributes attrs) {
        if (closed.get()) {
            return;
        }
        propose(RaftCommand.newBuilder().setMemberAttributes(attrs)).whenComplete((r, e) -> {
            if (e != null || !r.getError().isEmpty()) {
                timer.schedule(() -> publish(attrs), 500, TimeUnit.MILLISECONDS);
            } else {
                LOG.info("published member attributes {}", attrs.getClientUrlsList());
            }
        });
    }

    /**
     * Registers hooks called from the state machine (commits, leadership, store replacement).
     * Must be called before {@link #start}.
     */
    public void addListener(RaftListener listener) {
        if (node != null) {
            throw new IllegalStateException("listeners must be added before start");
        }
        pendingListeners.add(listener);
    }

    /**
     * Replicates {@code command} and returns its apply result. Works on any member: a follower forwards
     * to the leader. While there is no leader the proposal waits, up to the request timeout.
     *
     * @param command the command; its id is assigned here
     * @return completes with the result (which may carry an etcd error), or exceptionally with an
     *     {@link EtcdException} ({@code TIMEOUT}, {@code STOPPED}, …)
     */
    public CompletableFuture<RaftResult> propose(RaftCommand.Builder command) {
        RaftCommand cmd = command.setId(nextProposalId.incrementAndGet()).build();
        CompletableFuture<RaftResult> out = new CompletableFuture<>();
        attempt(cmd, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs()), out);
        return out;
    }

    /** Proposes on this member, which must lead; used by the peer Forward service. */
    CompletableFuture<RaftResult> proposeAsLeader(RaftCommand cmd) {
        CompletableFuture<RaftResult> out = new CompletableFuture<>();
        long term = roles.leaderTerm();
        if (term < 0 || node == null || !node.isLeader()) {
            out.complete(RaftResult.newBuilder().setError(EtcdError.NOT_LEADER.name()).build());
            return out;
        }
        applyLocally(cmd, term, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs()), out);
        return out;
    }

    private void attempt(RaftCommand cmd, long deadlineNanos, CompletableFuture<RaftResult> out) {
        long remainingMs = remainingOrFail(deadlineNanos, out);
        if (remainingMs <= 0) {
            return;
        }
        long term = roles.leaderTerm();
        Node n = node;
        if (term >= 0 && n != null && n.isLeader()) {
            applyLocally(cmd, term, deadlineNanos, out);
            return;
        }
        PeerId leader = n == null ? null : n.getLeaderId();
        if (leader == null || leader.isEmpty()) {
            retryLater(cmd, deadlineNanos, out);
            return;
        }
        forwardedProposals.watch(cmd.getId(), out); // this member's own apply of the entry may answer first
        forwarder.forward(leader.getEndpoint().getIp(), leader.getEndpoint().getPort(), cmd, remainingMs)
                .whenComplete((r, e) -> {
                    if (e == null && EtcdError.NOT_LEADER.name().equals(r.getError())) {
                        retryLater(cmd, deadlineNanos, out);
                    } else if (e == null) {
                        boolean known = commitLearner.committed(r.getRaftIndex(), r.getRaftTerm());
                        awaitLocalApply(r.getRaftIndex(), deadlineNanos, !known).thenRun(() -> out.complete(r));
                    } else if (e instanceof Forwarder.NotDeliveredException) {
                        retryLater(cmd, deadlineNanos, out);
                    } else {
                        out.completeExceptionally(e);
                    }
                });
    }

    /**
     * Completes once this member has applied {@code index}. The result of the forward usually let
     * {@link CommitLearner} commit it here already; when this member's log did not hold the entry yet, the
     * commit index comes with the leader's next append or heartbeat (up to a heartbeat interval away when
     * writes are sparse), so after {@value #COMMIT_NUDGE_DELAY_MS} ms a read barrier is started too: the
     * leader's read index round sends heartbeats carrying its commit index at once.
     *
     * @param nudge whether to start that read barrier; false when the commit index is known to be there
     */
    private CompletableFuture<Void> awaitLocalApply(long index, long deadlineNanos, boolean nudge) {
        CompletableFuture<Void> applied = appliedWaiters.await(index, deadlineNanos);
        if (applied.isDone() || !nudge) {
            return applied;
        }
        CompletableFuture<Void> either = new CompletableFuture<>();
        applied.whenComplete((v, e) -> either.complete(null));
        // Under load the next append carries the commit index within a millisecond or two; only a write
        // that is still not applied after that pays for a read index round.
        try {
            timer.schedule(() -> {
                if (!either.isDone()) {
                    readBarrier().whenComplete((v, e) -> either.complete(null));
                }
            }, COMMIT_NUDGE_DELAY_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            either.complete(null);
        }
        return either;
    }

    private void applyLocally(RaftCommand cmd, long term, long deadlineNanos, CompletableFuture<RaftResult> out) {
        ProposalClosure closure = new ProposalClosure();
        Task task = new Task(ByteBuffer.wrap(cmd.toByteArray()), closure, term);
        node.apply(task);
        long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        closure.future().orTimeout(remainingMs, TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
            if (e == null) {
                out.complete(r);
                return;
            }
            if (e instanceof ProposalClosure.ProposalFailedException pf) {
                Status st = pf.status();
                String msg = String.valueOf(st.getErrorMsg());
                boolean notAppended = st.getRaftError() == RaftError.EBUSY
                        || msg.contains("Is not leader") || msg.contains("expected_term");
                if (notAppended && out != null) {
                    retryLater(cmd, deadlineNanos, out);
                } else if (st.getRaftError() == RaftError.ENODESHUTDOWN || closed.get()) {
                    out.completeExceptionally(new EtcdException(EtcdError.STOPPED));
                } else {
                    out.completeExceptionally(new EtcdException(EtcdError.TIMEOUT_DUE_TO_LEADER_FAIL));
                }
            } else {
                out.completeExceptionally(new EtcdException(EtcdError.TIMEOUT));
            }
        });
    }

    private void retryLater(RaftCommand cmd, long deadlineNanos, CompletableFuture<RaftResult> out) {
        later(() -> attempt(cmd, deadlineNanos, out), out);
    }

    /** Runs {@code retry} after {@link #RETRY_DELAY_MS}; fails {@code out} with STOPPED once the member is closed. */
    private void later(Runnable retry, CompletableFuture<?> out) {
        try {
            timer.schedule(retry, RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.completeExceptionally(new EtcdException(EtcdError.STOPPED));
        }
    }

    /**
     * Milliseconds left before {@code deadlineNanos}; when the member is closed or the time is up, fails
     * {@code out} (STOPPED or TIMEOUT) and returns 0.
     */
    private long remainingOrFail(long deadlineNanos, CompletableFuture<?> out) {
        if (closed.get()) {
            out.completeExceptionally(new EtcdException(EtcdError.STOPPED));
            return 0;
        }
        long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (remainingMs <= 0) {
            out.completeExceptionally(new EtcdException(EtcdError.TIMEOUT));
        }
        return remainingMs;
    }

    /**
     * Waits until this member has applied everything committed when the call was made, confirmed with
     * the leader by a read index (etcd {@code linearizableReadNotify}). Works on followers.
     *
     * @return completes normally when a local read is linearizable; exceptionally with
     *     {@link EtcdException} {@code TIMEOUT} when no leader confirmed it within the request timeout
     */
    public CompletableFuture<Void> readBarrier() {
        CompletableFuture<Void> out = new CompletableFuture<>();
        readAttempt(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs()), out);
        return out;
    }

    private void readAttempt(long deadlineNanos, CompletableFuture<Void> out) {
        long remainingMs = remainingOrFail(deadlineNanos, out);
        if (remainingMs <= 0) {
            return;
        }
        FollowerReadIndex follower = readIndexes.follower();
        if (follower != null && roles.leaderTerm() < 0) {
            follower.barrier(remainingMs).whenComplete((v, e) -> {
                if (e == null) {
                    out.complete(null);
                } else {
                    later(() -> readAttempt(deadlineNanos, out), out);
                }
            });
            return;
        }
        node.readIndex(ReadOnlyOption.ReadOnlySafe, new byte[0], new ReadIndexClosure(remainingMs) {
            @Override
            public void run(Status status, long index, byte[] reqCtx) {
                if (status.isOk()) {
                    out.complete(null);
                } else {
                    later(() -> readAttempt(deadlineNanos, out), out);
                }
            }
        });
    }

    private void afterApply(long appliedIndex) {
        commitPush.afterApply();
        appliedWaiters.applied(appliedIndex);
        if (appliedIndex - lastSnapshotIndex.get() >= config.snapshotCount() && snapshotting.compareAndSet(false, true)) {
            node.snapshot(status -> {
                if (status.isOk()) {
                    lastSnapshotIndex.set(appliedIndex);
                    LOG.info("raft snapshot taken at index >= {}", appliedIndex);
                } else {
                    LOG.warn("raft snapshot failed: {}", status);
                }
                snapshotting.set(false);
            });
        }
    }

    /**
     * On a clean stop, snapshots the state when many entries were applied since the last snapshot: jraft
     * starts from its latest snapshot and reads every later entry back from the log (each one skipped by the
     * state machine, the store already holds it), which took seconds for 100k entries; a snapshot is a flush
     * and a checkpoint of hard links. Waits at most {@link #SHUTDOWN_SNAPSHOT_TIMEOUT_MS}.
     */
    private void snapshotBeforeStop() {
        Node n = node;
        if (n == null) {
            return;
        }
        long behind = n.getLastAppliedLogIndex() - lastSnapshotIndex.get();
        if (behind < Math.min(config.snapshotCount(), SHUTDOWN_SNAPSHOT_MIN_ENTRIES)
                || !snapshotting.compareAndSet(false, true)) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        long applied = n.getLastAppliedLogIndex();
        n.snapshot(status -> {
            if (status.isOk()) {
                lastSnapshotIndex.set(applied);
                LOG.info("raft snapshot taken at index >= {} before stopping", applied);
            } else {
                LOG.warn("raft snapshot before stopping failed: {}", status);
            }
            done.countDown();
        });
        try {
            if (!done.await(SHUTDOWN_SNAPSHOT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                LOG.warn("raft snapshot before stopping still running after {} ms; stopping anyway",
                        SHUTDOWN_SNAPSHOT_TIMEOUT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** This member's etcd ID. */
    public long memberId() {
        return config.self().id();
    }

    /** The etcd cluster ID. */
    public long clusterId() {
        return config.clusterId();
    }

    /** The bootstrap members, in {@code --initial-cluster} order. */
    public List<ClusterMember> members() {
        return config.members();
    }

    /** What each member published about itself. */
    public MemberDirectory directory() {
        return directory;
    }

    /** The highest raft term this member has seen (etcd's {@code raft_term} in headers). */
    public long term() {
        return roles.term();
    }

    /** The etcd ID of the current leader as this member knows it, or 0 when there is none. */
    public long leaderId() {
        Node n = node;
        if (n == null) {
            return 0;
        }
        PeerId leader = n.getLeaderId();
        if (leader == null || leader.isEmpty()) {
            return 0;
        }
        ClusterMember m = config.memberAt(leader.getEndpoint().toString());
        return m == null ? 0 : m.id();
    }

    /** Whether this member leads right now. */
    public boolean isLeader() {
        Node n = node;
        return n != null && n.isLeader();
    }

    /** The raft index of the last committed entry this member knows of (etcd Status.raftIndex). */
    public long commitIndex() {
        Node n = node;
        return n == null ? 0 : n.getLastCommittedIndex();
    }

    /** The raft index of the last entry applied to the store (etcd Status.raftAppliedIndex). */
    public long appliedIndex() {
        Node n = node;
        return n == null ? 0 : n.getLastAppliedLogIndex();
    }

    /** How many times this member has seen the leader change. */
    public long leaderChanges() {
        return roles.leaderChanges();
    }

    /**
     * How many followers' read index requests this member answered as leader without a heartbeat round
     * ({@link VoterReadIndex}); 0 before {@link #start}.
     */
    long readIndexesAnsweredAtOnce() {
        return readIndexes.answeredAtOnce();
    }

    /** Stops the node and the peer port; waits for them. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        leases.close();
        snapshotBeforeStop();
        if (group != null) {
            group.shutdown();
            try {
                group.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        forwarder.close();
        channels.shutdown();
    }
}
