package io.etch.server.http;

import io.etch.raft.RaftMember;
import io.etch.server.api.MaintenanceService;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 endpoints etcd serves on its client port beside gRPC (etcd
 * {@code etcdserver/api/etcdhttp}; reference §6): {@code /health} and {@code /version}, with etcd's bodies,
 * content types and status codes.
 */
public final class HttpEndpoints {
    private static final String VERSION_JSON =
            "{\"etcdserver\":\"" + MaintenanceService.ETCD_VERSION + "\",\"etcdcluster\":\"3.4.0\"}";

    private HttpEndpoints() {
    }

    /** Adds {@code /health} and {@code /version} to {@code routes}. */
    public static void register(HttpRoutes routes, RaftMember raft) {
        routes.add("/health", ex -> health(ex, raft));
        routes.add("/version", ex -> {
            if (!"GET".equals(ex.method()) && !"HEAD".equals(ex.method())) {
                ex.methodNotAllowed("GET, HEAD");
                return;
            }
            ex.reply(HttpResponseStatus.OK, HttpExchange.JSON, VERSION_JSON);
        });
    }

    /**
     * {@code /health}: 200 {@code {"health":"true"}} when there is a leader and a read through raft
     * succeeds within 1 s; otherwise 503 {@code {"health":"false"}\n} (etcd {@code checkHealth}).
     */
    private static void health(HttpExchange ex, RaftMember raft) {
        if (!"GET".equals(ex.method())) {
            ex.methodNotAllowed("GET");
            return;
        }
        if (raft.leaderId() == 0) {
            unhealthy(ex);
            return;
        }
        raft.readBarrier().orTimeout(1, TimeUnit.SECONDS).whenComplete((v, e) -> {
            if (e == null) {
                ex.reply(HttpResponseStatus.OK, HttpExchange.TEXT, "{\"health\":\"true\"}");
            } else {
                unhealthy(ex);
            }
        });
    }

    private static void unhealthy(HttpExchange ex) {
        ex.reply(HttpResponseStatus.SERVICE_UNAVAILABLE, HttpExchange.TEXT, "{\"health\":\"false\"}\n",
                "X-Content-Type-Options", "nosniff");
    }
}
