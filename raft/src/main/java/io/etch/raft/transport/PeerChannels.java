package io.etch.raft.transport;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Shared channels for Etch's own peer calls (e.g. forwarding a write to the leader's peer port), one per
 * {@code host:port}, with the peer port's credentials, keepalive and message limits. Calls and callbacks run on
 * gRPC's default executor. Thread-safe.
 */
public final class PeerChannels implements AutoCloseable {

    private final PeerTls tls;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean shutDown;

    /** Plaintext channels. */
    public PeerChannels() {
        this(null);
    }

    /** @param tls peer TLS, {@code null} for plaintext */
    public PeerChannels(PeerTls tls) {
        this.tls = tls;
    }

    /**
     * The channel to a peer's peer port, created on first use and reused afterwards (connects lazily). A
     * channel whose last connection attempt failed reconnects now rather than after gRPC's exponential backoff
     * (up to 2 minutes): callers ask for a peer's channel when raft says the peer is up (e.g. it is the
     * leader), so a peer that was down and came back is reachable at once.
     *
     * @throws IllegalStateException after {@link #shutdown()}
     */
    public ManagedChannel channel(String host, int port) {
        if (shutDown) {
            throw new IllegalStateException("PeerChannels is shut down");
        }
        ManagedChannel ch = channels.computeIfAbsent(host + ":" + port,
            k -> PeerNetty.newChannel(host, port, tls, false));
        if (shutDown) {
            ch.shutdownNow();
        } else if (ch.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            ch.resetConnectBackoff();
        }
        return ch;
    }

    /** Closes every channel, failing in-flight calls, and waits up to 5 s for them. Idempotent. */
    public void shutdown() {
        shutDown = true;
        for (ManagedChannel ch : channels.values()) {
            ch.shutdownNow();
        }
        for (ManagedChannel ch : channels.values()) {
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        channels.clear();
    }

    @Override
    public void close() {
        shutdown();
    }
}
