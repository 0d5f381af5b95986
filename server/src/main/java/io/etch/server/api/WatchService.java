package io.etch.server.api;

import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.raft.RaftListener;
import io.etch.storage.EtcdError;
import io.etch.storage.watch.WatchConfig;
import io.etch.storage.watch.WatchStream;
import io.etch.storage.watch.WatchableStore;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * etcd's {@code etcdserverpb.Watch} service ({@code v3rpc/watch.go}, reference §3.6), served by every
 * member from its own applied state through a {@link WatchableStore}.
 *
 * <p>Each stream is a {@link Session}: requests are handed to the stream's {@link WatchStream} in order;
 * responses are sent only while the gRPC call is ready (HTTP/2 flow control), so a slow client holds at
 * most the stream's bounded queue and its watchers fall back to history. Headers get cluster id, member
 * id and raft term here. Responses of watchers created with {@code fragment} are split when they reach
 * {@code --max-request-bytes} + 512 KiB ({@code sendFragments}). Streams with {@code hasleader} metadata
 * are ended by the {@link LeaderGuard}; {@link #close()} ends every stream with Unavailable.
 */
public final class WatchService extends WatchGrpc.WatchImplBase implements AutoCloseable {
    /** etcd's {@code grpcOverheadBytes}. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    private final MemberContext member;
    private final WatchableStore store;
    private final LeaderGuard guard;
    private final int fragmentBytes;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final Executor sender;
    private volatile boolean closed;

    WatchService(MemberContext member, WatchableStore store, LeaderGuard guard, Executor sender) {
        this.member = member;
        this.sender = sender;
        this.store = store;
        this.guard = guard;
        this.fragmentBytes = member.config().maxRequestBytes() + GRPC_OVERHEAD_BYTES;
    }

    /**
     * Builds the member's watchable store and registers it for committed batches; call before raft starts.
     *
     * @param sender where each stream's responses are serialised and sent (one task per stream at a time)
     */
    public static WatchService create(MemberContext member, Executor sender) {
        WatchConfig config = WatchConfig.defaults()
                .withProgressNotifyIntervalMs(member.config().watchProgressNotifyIntervalMs());
        WatchableStore store = new WatchableStore(member.stores()::read, config);
        member.raft().addListener(new RaftListener() {
            @Override
            public void onCommit(List<Event> events, long revision) {
                store.onCommit(events, revision);
            }

            @Override
            public void onStoreReplaced() {
                store.onReset();
            }
        });
        return new WatchService(member, store, new LeaderGuard(member.raft(), member.config().electionTimeoutMs()),
                sender);
    }

    /** The member's watchable store, for in-process watchers (lock and election waits). */
    public WatchableStore store() {
        return store;
    }

    /** The service with the {@code hasleader} interceptor. */
    public ServerServiceDefinition definition() {
        return ServerInterceptors.intercept(this, guard.interceptor());
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
        ServerCallStreamObserver<WatchResponse> call = (ServerCallStreamObserver<WatchResponse>) out;
        Session session = new Session(call, sender);
        call.setOnReadyHandler(session::schedule);
        call.setOnCancelHandler(session::cancelled);
        if (LeaderGuard.requested()) {
            session.requireLeader();
        }
        sessions.add(session);
        if (closed) {
            session.fail(ErrorTable.status(EtcdError.STOPPED));
        }
        return session;
    }

    /** Ends every stream with {@code Unavailable "etcdserver: server stopped"}, then stops the store. */
    @Override
    public void close() {
        closed = true;
        for (Session s : sessions) {
            s.fail(ErrorTable.status(EtcdError.STOPPED));
        }
        long deadline = System.nanoTime() + 500_000_000L;
        while (!sessions.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        guard.close();
        store.close();
    }

    /** One client stream. Sending runs serialized on {@code executor}. */
    private final class Session implements StreamObserver<WatchRequest> {
        private final ServerCallStreamObserver<WatchResponse> call;
        private final Executor executor;
        private final WatchStream stream;
        private final AtomicInteger wip = new AtomicInteger();
        private final Runnable onNoLeader = () -> fail(ErrorTable.status(EtcdError.NO_LEADER));
        /** fragment flags of creates not yet answered, in order (send side only) */
        private final ArrayDeque<Boolean> createFragments = new ArrayDeque<>();
        private final Set<Long> fragmentIds = new HashSet<>(); // send side only
        private volatile Status failure;
        private volatile boolean cancelled;
        private boolean finished; // send side only
        private boolean requireLeader;

        Session(ServerCallStreamObserver<WatchResponse> call, Executor executor) {
            this.call = call;
            this.executor = executor;
            this.stream = store.newStream(this::schedule);
        }

        void requireLeader() {
            requireLeader = true;
            guard.register(onNoLeader);
        }

        @Override
        public void onNext(WatchRequest req) {
            if (failure != null || cancelled) {
                return;
            }
            switch (req.getRequestUnionCase()) {
                case CREATE_REQUEST -> {
                    synchronized (createFragments) {
                        createFragments.add(req.getCreateRequest().getFragment());
                    }
                    stream.watch(req.getCreateRequest());
                }
                case CANCEL_REQUEST -> stream.cancel(req.getCancelRequest().getWatchId());
                case PROGRESS_REQUEST -> stream.requestProgress();
                default -> {
                    // etcd ignores an empty request
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            cancelled();
        }

        @Override
        public void onCompleted() {
            // etcd keeps sending after the client half-closes (recvLoop returns nil on EOF)
        }

        void cancelled() {
            cancelled = true;
            schedule();
        }

        void fail(Status status) {
            if (failure == null) {
                failure = status;
            }
            schedule();
        }

        void schedule() {
            if (wip.getAndIncrement() == 0) {
                executor.execute(this::drain);
            }
        }

        private void drain() {
            int missed = 1;
            while (true) {
                try {
                    drainOnce();
                } catch (RuntimeException e) {
                    finish();
                }
                missed = wip.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        private void drainOnce() {
            if (finished) {
                return;
            }
            if (cancelled || call.isCancelled()) {
                finish();
                return;
            }
            if (failure != null) {
                finish();
                call.onError(failure.asRuntimeException());
                return;
            }
            WatchResponse r;
            while (call.isReady() && (r = stream.poll()) != null) {
                send(r);
            }
        }

        private void finish() {
            finished = true;
            stream.close();
            if (requireLeader) {
                guard.unregister(onNoLeader);
            }
            sessions.remove(this);
        }

        private void send(WatchResponse r) {
            WatchResponse wire = r.toBuilder()
                    .setHeader(member.headerWithoutRevision().setRevision(r.getHeader().getRevision())).build();
            if (r.getCreated()) {
                Boolean fragment;
                synchronized (createFragments) {
                    fragment = createFragments.poll();
                }
                if (Boolean.TRUE.equals(fragment) && !r.getCanceled()) {
                    fragmentIds.add(r.getWatchId());
                }
            } else if (r.getCanceled() && r.getCompactRevision() == 0) {
                fragmentIds.remove(r.getWatchId());
            }
            if (r.getEventsCount() > 1 && fragmentIds.contains(r.getWatchId())) {
                sendFragments(wire);
            } else {
                call.onNext(wire);
            }
        }

        /** etcd's {@code sendFragments}: split events so each part stays below the limit; all but the last marked. */
        private void sendFragments(WatchResponse wr) {
            if (wr.getSerializedSize() < fragmentBytes) {
                call.onNext(wr);
                return;
            }
            List<Event> events = wr.getEventsList();
            WatchResponse.Builder base = wr.toBuilder().clearEvents().setFragment(true);
            int idx = 0;
            while (idx < events.size()) {
                WatchResponse.Builder cur = base.clone();
                int size = cur.build().getSerializedSize();
                while (idx < events.size()) {
                    Event ev = events.get(idx);
                    int evSize = com.google.protobuf.CodedOutputStream.computeMessageSize(
                            WatchResponse.EVENTS_FIELD_NUMBER, ev);
                    if (cur.getEventsCount() > 0 && size + evSize >= fragmentBytes) {
                        break;
                    }
                    cur.addEvents(ev);
                    size += evSize;
                    idx++;
                }
                if (idx == events.size()) {
                    cur.setFragment(false);
                }
                call.onNext(cur.build());
            }
        }
    }
}
