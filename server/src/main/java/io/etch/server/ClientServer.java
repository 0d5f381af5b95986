package io.etch.server;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.etch.server.api.ClusterService;
import io.etch.server.api.KvService;
import io.etch.server.api.LeaseService;
import io.etch.server.api.MaintenanceService;
import io.etch.server.api.MemberContext;
import io.etch.server.concurrency.ConcurrencyServices;
import io.etch.server.http.HttpEndpoints;
import io.etch.server.http.JsonGateway;
import io.etch.server.http.JsonRoutes;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;

/**
 * The client port: gRPC (h2c with prior knowledge, as etcdctl speaks it) and HTTP/1.1 on the same
 * port, like etcd's cmux (reference §0.1). Armeria detects the protocol per connection.
 *
 * <p>Limits: gRPC messages up to {@code --max-request-bytes} + 512 KiB (etcd's MaxRecvMsgSize); no
 * request timeout and no overall request-length limit, so that watch streams can live forever.
 */
final class ClientServer implements AutoCloseable {
    private final Server server;
    private final LeaseService lease;
    private final io.etch.server.api.WatchService watch;
    private final ConcurrencyServices concurrency;

    ClientServer(MemberContext member) {
        ServerBuilder sb = Server.builder();
        for (URI url : member.config().listenClientUrls()) {
            if (!"http".equals(url.getScheme())) {
                throw new IllegalArgumentException("TLS client URLs are not supported yet: " + url);
            }
            sb.port(bindAddress(url), SessionProtocol.HTTP);
        }
        int maxMessage = member.config().maxRequestBytes() + 512 * 1024;
        KvService kv = new KvService(member);
        MaintenanceService maintenance = new MaintenanceService(member);
        ClusterService cluster = new ClusterService(member);
        JsonGateway gateway = new JsonGateway();
        sb.serviceUnder("/v3/", gateway).serviceUnder("/v3beta/", gateway);
        JsonRoutes.kv(gateway, kv);
        JsonRoutes.maintenance(gateway, maintenance);
        JsonRoutes.cluster(gateway, cluster);
        // KV and Cluster never block (reads are short RocksDB reads, writes and read barriers are
        // asynchronous), so they run on the event loop: no thread hop per request.
        GrpcService fast = GrpcService.builder()
                .addService(kv)
                .addService(cluster)
                .maxRequestMessageLength(maxMessage)
                .maxResponseMessageLength(Integer.MAX_VALUE)
                .build();
        GrpcService grpc = GrpcService.builder()
                .addService(maintenance)
                .addService((lease = new LeaseService(member)).definition())
                .addService((watch = io.etch.server.api.WatchService.create(member)).definition())
                .addService((concurrency = ConcurrencyServices.create(kv, lease, watch.store())).lock())
                .addService(concurrency.election())
                .maxRequestMessageLength(maxMessage)
                .maxResponseMessageLength(Integer.MAX_VALUE)
                .useBlockingTaskExecutor(true)
                .build();
        JsonRoutes.lease(gateway, lease);
        JsonRoutes.watch(gateway, watch);
        JsonRoutes.concurrency(gateway, concurrency);
        sb.service(fast)
                .service(grpc)
                .requestTimeout(Duration.ZERO)
                .maxRequestLength(0)
                .idleTimeout(Duration.ofHours(2))
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1));
        HttpEndpoints.register(sb, member.raft());
        io.etch.server.http.MetricsEndpoint.register(sb, member.raft(), member.stores());
        server = sb.build();
    }

    static InetSocketAddress bindAddress(URI url) {
        String host = url.getHost();
        if ("localhost".equals(host)) {
            host = "127.0.0.1";
        }
        return new InetSocketAddress(host, url.getPort());
    }

    void start() {
        server.start().join();
    }

    @Override
    public void close() {
        watch.close();
        lease.close();
        server.stop().join();
    }
}
