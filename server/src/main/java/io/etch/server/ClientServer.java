package io.etch.server;

import io.etch.server.api.ClusterService;
import io.etch.server.api.KvService;
import io.etch.server.api.LeaseService;
import io.etch.server.api.MaintenanceService;
import io.etch.server.api.MemberContext;
import io.etch.server.api.WatchService;
import io.etch.server.concurrency.ConcurrencyServices;
import io.etch.server.http.ClientPortNegotiator;
import io.etch.server.http.HttpEndpoints;
import io.etch.server.http.HttpRoutes;
import io.etch.server.http.JsonGateway;
import io.etch.server.http.JsonRoutes;
import io.etch.server.http.MetricsEndpoint;
import io.grpc.Server;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client port: gRPC (h2c with prior knowledge, as etcdctl speaks it) and HTTP/1.1 on the same port, like
 * etcd's cmux (reference §0.1), served by grpc-java's Netty server; {@link ClientPortNegotiator} routes
 * HTTP/1.1 connections to {@code /health}, {@code /version}, {@code /metrics} and the {@code /v3/} JSON
 * gateway.
 *
 * <p>Threads: KV, Lease and Cluster calls never block (reads are short RocksDB reads; writes, read barriers
 * and a follower's forwarded keep-alives are asynchronous; the leader renews a lease in memory), so they run
 * on the connection's event loop, with no thread hop per request or stream event; the other services run on
 * a pool of threads that may block. Limits as etcd's: messages up to
 * {@code --max-request-bytes} + 512 KiB (etcd's MaxRecvMsgSize), client pings as often as every 5 s
 * allowed with or without calls, a server ping after 2 h of silence with a 20 s timeout, no limit on
 * concurrent streams and no request deadline of our own (watch streams live forever).
 */
final class ClientServer implements AutoCloseable {
    /** The services whose calls run on the event loop. */
    private static final Set<String> NON_BLOCKING_SERVICES = Set.of("etcdserverpb.KV", "etcdserverpb.Lease",
            "etcdserverpb.Cluster");

    private final List<URI> urls;
    private final Server server;
    private final ClientPortNegotiator negotiator;
    private final ExecutorService blocking;
    private final ExecutorService watchSender;
    private final LeaseService lease;
    private final WatchService watch;

    ClientServer(MemberContext member) {
        urls = member.config().listenClientUrls();
        for (URI url : urls) {
            if (!"http".equals(url.getScheme())) {
                throw new IllegalArgumentException("TLS client URLs are not supported yet: " + url);
            }
        }
        blocking = Executors.newCachedThreadPool(daemonThreads("etch-grpc-"));
        watchSender = Executors.newFixedThreadPool(2, daemonThreads("etch-watch-send-"));
        int maxMessage = member.config().maxRequestBytes() + 512 * 1024;
        KvService kv = new KvService(member);
        MaintenanceService maintenance = new MaintenanceService(member);
        ClusterService cluster = new ClusterService(member);
        lease = new LeaseService(member);
        watch = WatchService.create(member, watchSender);
        ConcurrencyServices concurrency = ConcurrencyServices.create(kv, lease, watch.store());

        HttpRoutes routes = new HttpRoutes();
        JsonGateway gateway = new JsonGateway();
        JsonRoutes.kv(gateway, kv);
        JsonRoutes.maintenance(gateway, maintenance);
        JsonRoutes.cluster(gateway, cluster);
        JsonRoutes.lease(gateway, lease);
        JsonRoutes.watch(gateway, watch);
        JsonRoutes.concurrency(gateway, concurrency);
        routes.addPrefix("/v3/", gateway).addPrefix("/v3beta/", gateway);
        HttpEndpoints.register(routes, member.raft());
        MetricsEndpoint.register(routes, member.raft(), member.stores());
        negotiator = new ClientPortNegotiator(routes, blocking, maxMessage);

        NettyServerBuilder nb = NettyServerBuilder.forAddress(bindAddress(urls.get(0)),
                InternalNettyServerCredentials.create(negotiator));
        for (URI url : urls.subList(1, urls.size())) {
            nb.addListenAddress(bindAddress(url));
        }
        ServerCallExecutorSupplier perService = new ServerCallExecutorSupplier() {
            @Override
            public <Q, R> java.util.concurrent.Executor getExecutor(io.grpc.ServerCall<Q, R> call,
                                                                   io.grpc.Metadata headers) {
                return NON_BLOCKING_SERVICES.contains(call.getMethodDescriptor().getServiceName()) ? null : blocking;
            }
        };
        server = nb.directExecutor()
                .callExecutor(perService)
                .addService(kv)
                .addService(cluster)
                .addService(maintenance)
                .addService(lease.definition())
                .addService(watch.definition())
                .addService(concurrency.lock())
                .addService(concurrency.election())
                .maxInboundMessageSize(maxMessage)
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .keepAliveTime(2, TimeUnit.HOURS)
                .keepAliveTimeout(20, TimeUnit.SECONDS)
                .handshakeTimeout(ClientPortNegotiator.SNIFF_TIMEOUT_S + 10, TimeUnit.SECONDS)
                .build();
    }

    static InetSocketAddress bindAddress(URI url) {
        String host = url.getHost();
        if ("localhost".equals(host)) {
            host = "127.0.0.1";
        }
        return new InetSocketAddress(host, url.getPort());
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Binds every listen address and starts serving.
     *
     * @throws UncheckedIOException when an address cannot be bound
     */
    void start() {
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve clients on " + urls, e);
        }
    }

    /** Ends watch and lease streams, stops the port (1 s grace for calls in flight), then the pools. */
    @Override
    public void close() {
        watch.close();
        lease.close();
        server.shutdown();
        negotiator.close();
        try {
            if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        blocking.shutdownNow();
        watchSender.shutdownNow();
    }
}
