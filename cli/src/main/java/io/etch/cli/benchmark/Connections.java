package io.etch.cli.benchmark;

import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.StatusResponse;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC connections of one benchmark run: {@code --conns} channels, connection {@code i} to
 * endpoint {@code i mod n} (etcd 3.4's {@code mustCreateConn} dials the endpoints round robin), or all to
 * the leader with {@code --target-leader}; client {@code c} uses connection {@code c mod conns}.
 * Callbacks run on Netty's event loops ({@code directExecutor}), so observers must not block.
 *
 * <p>Before a run's clock starts, {@link #open} waits for every connection to be ready and sends the
 * untimed requests of {@link WarmUp} ({@code --warm-up}). gRPC's built-in retry is off ({@code disableRetry}): every call otherwise goes through a
 * buffering {@code RetriableStream} (on the stack in about a tenth of the client's CPU samples), and a
 * benchmark reports failures rather than retrying them. See docs/benchmarks.md, "etchctl benchmark vs etcd's own tool".
 */
final class Connections implements AutoCloseable {
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<String> targets;

    private Connections(List<String> targets) {
        this.targets = targets;
    }

    /** An endpoint as {@code host:port}, accepting {@code http://}, {@code https://} or none. */
    static String hostPort(String endpoint) {
        String e = endpoint.trim();
        if (e.contains("://")) {
            URI u = URI.create(e);
            return u.getHost() + ":" + u.getPort();
        }
        return e;
    }

    static boolean isTls(String endpoint, BenchmarkCommand.Global g) {
        return endpoint.trim().startsWith("https://") || g.cacert != null || g.cert != null;
    }

    static Connections open(BenchmarkCommand.Global g, int conns) throws IOException {
        List<String> endpoints = g.endpoints();
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoints");
        }
        boolean tls = isTls(endpoints.get(0), g);
        SslContext ssl = tls ? sslContext(g) : null;
        List<String> targets = endpoints;
        if (g.targetLeader) {
            targets = List.of(findLeader(endpoints, ssl, g.dialTimeoutMs()));
        }
        Connections c = new Connections(targets);
        for (int i = 0; i < Math.max(1, conns); i++) {
            c.channels.add(channel(targets.get(i % targets.size()), ssl));
        }
        c.awaitReady(g.dialTimeoutMs());
        try {
            WarmUp.run(c.channels, g.warmUp, g.dialTimeoutMs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return c;
    }

    private static SslContext sslContext(BenchmarkCommand.Global g) throws IOException {
        SslContextBuilder b = GrpcSslContexts.forClient();
        if (g.cacert != null) {
            b.trustManager(new File(g.cacert));
        }
        if (g.cert != null && g.key != null) {
            b.keyManager(new File(g.cert), new File(g.key));
        }
        return b.build();
    }

    static ManagedChannel channel(String endpoint, SslContext ssl) {
        String hp = hostPort(endpoint);
        int colon = hp.lastIndexOf(':');
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(hp.substring(0, colon),
                Integer.parseInt(hp.substring(colon + 1)))
                .directExecutor()
                .disableRetry()
                .maxInboundMessageSize(Integer.MAX_VALUE)
                .keepAliveTime(30, TimeUnit.SECONDS);
        if (ssl != null) {
            b.sslContext(ssl);
        } else {
            b.usePlaintext();
        }
        return b.build();
    }

    /** The endpoint whose Status says it leads ({@code leader == header.member_id}). */
    private static String findLeader(List<String> endpoints, SslContext ssl, long timeoutMs) {
        for (String ep : endpoints) {
            ManagedChannel ch = channel(ep, ssl);
            try {
                StatusResponse s = MaintenanceGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                        .status(StatusRequest.getDefaultInstance());
                if (s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) {
                    return ep;
                }
            } catch (RuntimeException e) {
                // try the next endpoint
            } finally {
                ch.shutdownNow();
            }
        }
        throw new IllegalStateException("no leader among endpoints " + endpoints);
    }

    private void awaitReady(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (ManagedChannel ch : channels) {
            ch.getState(true);
        }
        for (ManagedChannel ch : channels) {
            while (ch.getState(true) != ConnectivityState.READY && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    int size() {
        return channels.size();
    }

    ManagedChannel conn(int i) {
        return channels.get(i % channels.size());
    }

    /** The connection that client {@code client} uses. */
    ManagedChannel forClient(int client) {
        return conn(client);
    }

    List<String> targets() {
        return targets;
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow();
        }
        for (ManagedChannel ch : channels) {
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
