package io.etch.raft.transport;

import com.alipay.sofa.jraft.ReplicatorGroup;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.error.ConnectionFailureException;
import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.InvokeCallback;
import com.alipay.sofa.jraft.rpc.InvokeContext;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.util.Endpoint;
import com.google.protobuf.Message;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jraft's {@link RpcClient} on grpc-java: one channel (one HTTP/2 connection) per peer endpoint, and on it one
 * long-lived {@code PeerRpc.Exchange} stream ({@link ClientStream}) that carries every request of this client to
 * that peer and their responses, matched by call id. The stream is opened by the first call and again by the first
 * call after it ended. Created by {@link GrpcRaftRpcFactory}; Etch does not use it directly.
 *
 * <ul>
 *   <li>Errors: a call unanswered within its timeout fails with {@link InvokeTimeoutException} (jraft maps it to
 *       ETIMEDOUT) and does not disturb the other calls; when the stream ends (the peer closed the connection,
 *       the connection broke or could not be made, {@link #closeConnection}) every call waiting on it fails with
 *       {@link ConnectionFailureException}; an error frame from the server (no such processor, processor failed)
 *       becomes a {@link RemotingException}. Callbacks get these as {@code err}; {@link #invokeSync} throws
 *       them.</li>
 *   <li>Order: calls to one endpoint reach the server in the order {@link #invokeAsync} was called (pipelined
 *       AppendEntries rely on it); responses come back in any order.</li>
 *   <li>Connect events: whenever a channel becomes READY, every registered {@link ReplicatorGroup} gets
 *       {@code checkReplicator(peer, true)} (what Bolt's CONNECT event does), so a leader resumes replicating
 *       to a peer that comes back.</li>
 *   <li>Reconnect: a channel in TRANSIENT_FAILURE retries every {@value #RECONNECT_INTERVAL_MS} ms instead of
 *       gRPC's backoff of up to 2 minutes, and so does a channel that lost its connection (IDLE).</li>
 *   <li>Callbacks run on {@link InvokeCallback#executor()}, or on this client's pool when it is null; those of
 *       AppendEntries run on the transport thread, in the order their answers arrive.</li>
 *   <li>{@link InvokeContext} (Bolt's CRC switch) is ignored: TCP and, later, TLS protect the bytes.</li>
 * </ul>
 * Thread-safe.
 */
public final class GrpcRpcClient implements RpcClient {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcRpcClient.class);

    static final long RECONNECT_INTERVAL_MS = 500;

    private final PeerTls tls;
    private final ConcurrentMap<Endpoint, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final ConcurrentMap<Endpoint, ClientStream> streams = new ConcurrentHashMap<>();
    private final List<ReplicatorGroup> replicatorGroups = new CopyOnWriteArrayList<>();
    private final ExecutorService callbackExecutor;
    private final ScheduledThreadPoolExecutor scheduler; // call timeouts and reconnects
    private volatile boolean shutDown;
    private volatile java.util.function.Consumer<Endpoint> appendAnswerListener;

    /** @param tls peer TLS, {@code null} for plaintext */
    public GrpcRpcClient(PeerTls tls) {
        this.tls = tls;
        this.callbackExecutor = Executors.newCachedThreadPool(GrpcRpcServer.daemonThreads("etch-peer-client-"));
        this.scheduler = new ScheduledThreadPoolExecutor(1, GrpcRpcServer.daemonThreads("etch-peer-timer-"));
        this.scheduler.setRemoveOnCancelPolicy(true); // most timeouts are cancelled: do not keep them queued
        this.scheduler.scheduleWithFixedDelay(this::reconnect, RECONNECT_INTERVAL_MS, RECONNECT_INTERVAL_MS,
            TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean init(RpcOptions opts) {
        return !shutDown;
    }

    /** Closes every stream and channel, failing in-flight calls, and stops this client's threads. Idempotent. */
    @Override
    public void shutdown() {
        shutDown = true;
        for (Endpoint ep : channels.keySet()) {
            closeConnection(ep);
        }
        for (Endpoint ep : streams.keySet()) {
            closeConnection(ep);
        }
        scheduler.shutdownNow();
        callbackExecutor.shutdown();
    }

    @Override
    public boolean checkConnection(Endpoint endpoint) {
        ManagedChannel ch = channels.get(Objects.requireNonNull(endpoint, "endpoint"));
        return ch != null && ch.getState(false) == ConnectivityState.READY;
    }

    /** True if connected; with {@code createIfAbsent} starts connecting (asynchronously) if not. */
    @Override
    public boolean checkConnection(Endpoint endpoint, boolean createIfAbsent) {
        ManagedChannel ch = channel(Objects.requireNonNull(endpoint, "endpoint"), createIfAbsent);
        return ch != null && ch.getState(createIfAbsent) == ConnectivityState.READY;
    }

    /** Drops the stream and the channel to {@code endpoint}, failing its in-flight calls. */
    @Override
    public void closeConnection(Endpoint endpoint) {
        ClientStream stream = streams.remove(Objects.requireNonNull(endpoint, "endpoint"));
        if (stream != null) {
            stream.cancel("connection closed by the client");
        }
        ManagedChannel ch = channels.remove(endpoint);
        if (ch != null) {
            ch.shutdownNow();
        }
    }

    /**
     * Sets what runs after each AppendEntries answer (heartbeats included) has been handed to jraft's
     * replicator, on the transport thread that received it, with the endpoint of the peer that answered: the
     * moment a leader's commit index may have moved. Replaces any earlier listener; {@code null} removes it.
     * The listener must not block.
     */
    public void setAppendAnswerListener(java.util.function.Consumer<Endpoint> listener) {
        this.appendAnswerListener = listener;
    }

    private void appendAnswered(Endpoint peer) {
        java.util.function.Consumer<Endpoint> l = appendAnswerListener;
        if (l != null) {
            l.accept(peer);
        }
    }

    @Override
    public void registerConnectEventListener(ReplicatorGroup replicatorGroup) {
        replicatorGroups.add(Objects.requireNonNull(replicatorGroup, "replicatorGroup"));
    }

    @Override
    public Object invokeSync(Endpoint endpoint, Object request, InvokeContext ctx, long timeoutMs)
        throws InterruptedException, RemotingException {
        CompletableFuture<Object> result = new CompletableFuture<>();
        invokeAsync(endpoint, request, ctx, new InvokeCallback() {
            @Override
            public void complete(Object response, Throwable err) {
                if (err != null) {
                    result.completeExceptionally(err);
                } else {
                    result.complete(response);
                }
            }

            @Override
            public Executor executor() {
                return Runnable::run;
            }
        }, timeoutMs);
        try {
            return result.get(timeoutMs + 1000, TimeUnit.MILLISECONDS); // the call's deadline fires first
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RemotingException re) {
                throw re;
            }
            throw new RemotingException(e.getCause());
        } catch (TimeoutException e) {
            throw new InvokeTimeoutException("no answer from " + endpoint + " within " + timeoutMs + " ms");
        }
    }

    @Override
    public void invokeAsync(Endpoint endpoint, Object request, InvokeContext ctx, InvokeCallback callback,
                            long timeoutMs) throws RemotingException {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(callback, "callback");
        if (!(request instanceof Message message)) {
            throw new RemotingException("not a protobuf message: " + request);
        }
        Message responsePrototype;
        try {
            responsePrototype = MessageTypes.responsePrototype(message.getClass().getName());
        } catch (IllegalArgumentException e) {
            throw new RemotingException(e.getMessage(), e);
        }
        ClientStream stream = stream(endpoint);
        if (stream == null) {
            throw new RemotingException("rpc client is shut down");
        }
        stream.send(message, responsePrototype, callback, timeoutMs);
    }

    /** The open stream to {@code endpoint}, opening one (and the channel) if needed; null once shut down. */
    private ClientStream stream(Endpoint endpoint) {
        while (true) {
            ManagedChannel ch = channel(endpoint, true);
            if (ch == null) {
                return null;
            }
            ClientStream current = streams.get(endpoint);
            if (current != null && !current.isClosed() && current.channel() == ch) {
                return current;
            }
            ClientStream opened = new ClientStream(endpoint, ch, callbackExecutor, scheduler,
                () -> appendAnswered(endpoint));
            boolean published = current == null ? streams.putIfAbsent(endpoint, opened) == null
                : streams.replace(endpoint, current, opened);
            if (!published) { // another thread opened one first: use that
                opened.cancel("superseded");
                continue;
            }
            if (current != null) {
                current.cancel("superseded"); // closed already, or on a channel that is being replaced
            }
            if (shutDown && streams.remove(endpoint, opened)) { // raced with shutdown()
                opened.cancel("rpc client is shut down");
                return null;
            }
            return opened;
        }
    }

    private ManagedChannel channel(Endpoint endpoint, boolean create) {
        ManagedChannel ch = channels.get(endpoint);
        if (ch != null || !create || shutDown) {
            return ch;
        }
        ManagedChannel created = PeerNetty.newChannel(endpoint.getIp(), endpoint.getPort(), tls, true);
        ManagedChannel existing = channels.putIfAbsent(endpoint, created);
        if (existing != null) {
            created.shutdownNow();
            return existing;
        }
        if (shutDown) { // raced with shutdown()
            closeConnection(endpoint);
            return null;
        }
        watch(endpoint, created, ConnectivityState.IDLE);
        return created;
    }

    /** Fires a connect event each time the channel becomes READY, until it is shut down. */
    private void watch(Endpoint endpoint, ManagedChannel ch, ConnectivityState previous) {
        ConnectivityState now = ch.getState(false);
        if (now == ConnectivityState.SHUTDOWN) {
            return;
        }
        if (now == ConnectivityState.READY && previous != ConnectivityState.READY) {
            onConnected(endpoint);
        }
        ch.notifyWhenStateChanged(now, () -> watch(endpoint, ch, now));
    }

    /** Periodic: channels that lost or could not get a connection try again now. */
    private void reconnect() {
        for (ManagedChannel ch : channels.values()) {
            try {
                ConnectivityState state = ch.getState(true); // IDLE starts connecting
                if (state == ConnectivityState.TRANSIENT_FAILURE) {
                    ch.resetConnectBackoff();
                }
            } catch (RuntimeException e) {
                LOG.warn("reconnect failed", e);
            }
        }
    }

    private void onConnected(Endpoint endpoint) {
        if (replicatorGroups.isEmpty()) {
            return;
        }
        try {
            callbackExecutor.execute(() -> {
                PeerId peer = new PeerId(endpoint, 0);
                LOG.info("peer {} is connected", peer);
                for (ReplicatorGroup group : replicatorGroups) {
                    try {
                        group.checkReplicator(peer, true);
                    } catch (RuntimeException e) {
                        LOG.warn("checkReplicator({}) failed", peer, e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }
}
