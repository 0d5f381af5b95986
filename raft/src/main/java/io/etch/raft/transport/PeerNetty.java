package io.etch.raft.transport;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The one place that decides how peer-port sockets are built: credentials (plaintext or, later, mutual
 * TLS from {@link PeerTls}), keepalive and message size limits. Used by {@link GrpcRpcServer},
 * {@link GrpcRpcClient} and {@link PeerChannels}.
 */
final class PeerNetty {

    /** Largest message accepted in either direction; jraft's install-snapshot chunks and append batches fit well below. */
    static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    /** Client pings an idle connection this often (gRPC's minimum is 10 s). */
    static final long KEEPALIVE_TIME_MS = 10_000;
    /** A ping not answered within this closes the connection. */
    static final long KEEPALIVE_TIMEOUT_MS = 5_000;
    /** The server accepts client pings this often; must not exceed {@link #KEEPALIVE_TIME_MS}. */
    static final long PERMIT_KEEPALIVE_TIME_MS = 5_000;

    private PeerNetty() {}

    /**
     * Server credentials for {@code tls}; {@code null} means plaintext.
     *
     * @throws UnsupportedOperationException for a non-null {@code tls}: mutual TLS is a later issue; add it here
     *     ({@code TlsServerCredentials} with keyManager(cert, key), trustManager(ca), clientAuth REQUIRE when
     *     {@code clientCertAuth})
     */
    static ServerCredentials serverCredentials(PeerTls tls) {
        if (tls == null) {
            return InsecureServerCredentials.create();
        }
        throw new UnsupportedOperationException("peer TLS is not implemented yet");
    }

    /**
     * Channel credentials for {@code tls}; {@code null} means plaintext.
     *
     * @throws UnsupportedOperationException for a non-null {@code tls} (see {@link #serverCredentials})
     */
    static ChannelCredentials channelCredentials(PeerTls tls) {
        if (tls == null) {
            return InsecureChannelCredentials.create();
        }
        throw new UnsupportedOperationException("peer TLS is not implemented yet");
    }

    static NettyServerBuilder serverBuilder(InetSocketAddress bind, PeerTls tls) {
        return NettyServerBuilder.forAddress(bind, serverCredentials(tls))
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .keepAliveTime(KEEPALIVE_TIME_MS, TimeUnit.MILLISECONDS)
            .keepAliveTimeout(KEEPALIVE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .permitKeepAliveTime(PERMIT_KEEPALIVE_TIME_MS, TimeUnit.MILLISECONDS)
            .permitKeepAliveWithoutCalls(true);
    }

    /**
     * A channel to one peer. Idle mode is off (peers talk constantly and jraft wants connect events).
     *
     * @param directExecutor run call and state callbacks on the transport thread (the jraft client hops to its own
     *     executors); otherwise gRPC's default executor runs them
     */
    static ManagedChannel newChannel(String host, int port, PeerTls tls, boolean directExecutor) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port, channelCredentials(tls));
        if (directExecutor) {
            builder.directExecutor();
        }
        return builder
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .keepAliveTime(KEEPALIVE_TIME_MS, TimeUnit.MILLISECONDS)
            .keepAliveTimeout(KEEPALIVE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .keepAliveWithoutCalls(true)
            .idleTimeout(365, TimeUnit.DAYS) // >= 30 days disables idle mode
            .disableRetry()
            .build();
    }
}
