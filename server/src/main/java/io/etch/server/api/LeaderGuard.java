package io.etch.server.api;

import io.etch.raft.RaftMember;
import io.etch.storage.EtcdError;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * etcd's leader checks for streams opened with metadata {@code hasleader: true}
 * ({@code v3rpc/interceptor.go newStreamInterceptor} + {@code monitorLeader}): such a stream fails with
 * {@code Unavailable "etcdserver: no leader"} at once when this member knows no leader, and later when
 * it has known none for {@value #MAX_NO_LEADER_COUNT} election timeouts in a row.
 *
 * <p>The {@link #interceptor()} marks such calls in the gRPC {@link Context}; the stream's service asks
 * {@link #requested()} when the call starts and, if so, {@link #register}s a callback that ends the stream.
 * Thread-safe.
 */
public final class LeaderGuard implements AutoCloseable {
    /** etcd's {@code maxNoLeaderCnt}. */
    static final int MAX_NO_LEADER_COUNT = 3;
    private static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Boolean> REQUIRED = Context.key("etch-hasleader");

    private final RaftMember raft;
    private final Set<Runnable> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService monitor;
    private int noLeaderCount; // monitor thread only

    /** Starts the monitor, checking every {@code electionTimeoutMs}. */
    public LeaderGuard(RaftMember raft, long electionTimeoutMs) {
        this.raft = raft;
        this.monitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "leader-guard");
            t.setDaemon(true);
            return t;
        });
        monitor.scheduleWithFixedDelay(this::check, electionTimeoutMs, electionTimeoutMs, TimeUnit.MILLISECONDS);
    }

    /** The interceptor for services with streams; unary calls pass through untouched. */
    public ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                if (call.getMethodDescriptor().getType().clientSendsOneMessage()
                        && call.getMethodDescriptor().getType().serverSendsOneMessage()
                        || !"true".equals(headers.get(HAS_LEADER))) {
                    return next.startCall(call, headers);
                }
                if (raft.leaderId() == 0) {
                    call.close(ErrorTable.status(EtcdError.NO_LEADER), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                return Contexts.interceptCall(Context.current().withValue(REQUIRED, Boolean.TRUE), call, headers, next);
            }
        };
    }

    /** Whether the current call was opened with {@code hasleader: true} (call from the service method). */
    public static boolean requested() {
        return Boolean.TRUE.equals(REQUIRED.get());
    }

    /**
     * Runs {@code onNoLeader} once when the member has known no leader for {@value #MAX_NO_LEADER_COUNT}
     * election timeouts; {@link #unregister} when the stream ends first. It must not block.
     */
    public void register(Runnable onNoLeader) {
        streams.add(onNoLeader);
    }

    public void unregister(Runnable onNoLeader) {
        streams.remove(onNoLeader);
    }

    private void check() {
        noLeaderCount = raft.leaderId() == 0 ? noLeaderCount + 1 : 0;
        if (noLeaderCount >= MAX_NO_LEADER_COUNT) {
            for (Runnable r : streams) {
                streams.remove(r);
                try {
                    r.run();
                } catch (RuntimeException ignored) {
                    // a stream that is already gone
                }
            }
        }
    }

    @Override
    public void close() {
        monitor.shutdownNow();
    }
}
