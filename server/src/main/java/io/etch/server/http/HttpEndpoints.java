package io.etch.server.http;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import io.etch.raft.RaftMember;
import io.etch.server.api.MaintenanceService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 endpoints etcd serves on its client port beside gRPC (etcd
 * {@code etcdserver/api/etcdhttp}; reference §6): {@code /health} and {@code /version}.
 */
public final class HttpEndpoints {
    private static final String VERSION_JSON =
            "{\"etcdserver\":\"" + MaintenanceService.ETCD_VERSION + "\",\"etcdcluster\":\"3.4.0\"}";
    private static final MediaType TEXT_UTF8 = MediaType.parse("text/plain; charset=utf-8");

    private HttpEndpoints() {
    }

    /** Adds {@code /health} and {@code /version} to {@code sb}. */
    public static void register(ServerBuilder sb, RaftMember raft) {
        sb.service("/health", health(raft));
        sb.service("/version", (ctx, req) -> req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD
                ? methodNotAllowed()
                : HttpResponse.of(headers(HttpStatus.OK, MediaType.JSON), com.linecorp.armeria.common.HttpData.ofUtf8(
                        VERSION_JSON)));
    }

    /**
     * {@code /health}: 200 {@code {"health":"true"}} when there is a leader and a read through raft
     * succeeds within 1 s; otherwise 503 {@code {"health":"false"}\n} (etcd {@code checkHealth}).
     */
    private static HttpService health(RaftMember raft) {
        return (ctx, req) -> {
            if (req.method() != HttpMethod.GET) {
                return methodNotAllowed();
            }
            if (raft.leaderId() == 0) {
                return unhealthy();
            }
            CompletableFuture<HttpResponse> f = raft.readBarrier()
                    .orTimeout(1, TimeUnit.SECONDS)
                    .handle((v, e) -> e == null
                            ? HttpResponse.of(headers(HttpStatus.OK, TEXT_UTF8),
                                    com.linecorp.armeria.common.HttpData.ofUtf8("{\"health\":\"true\"}"))
                            : unhealthy());
            return HttpResponse.of(f);
        };
    }

    private static HttpResponse unhealthy() {
        return HttpResponse.of(headers(HttpStatus.SERVICE_UNAVAILABLE, TEXT_UTF8).toBuilder()
                .set("X-Content-Type-Options", "nosniff").build(),
                com.linecorp.armeria.common.HttpData.ofUtf8("{\"health\":\"false\"}\n"));
    }

    private static HttpResponse methodNotAllowed() {
        return HttpResponse.of(headers(HttpStatus.METHOD_NOT_ALLOWED, TEXT_UTF8),
                com.linecorp.armeria.common.HttpData.ofUtf8("Method Not Allowed\n"));
    }

    /** A response head with etcd's CORS headers, which it sends on every client-port HTTP response. */
    static ResponseHeaders headers(HttpStatus status, MediaType type) {
        ResponseHeadersBuilder b = ResponseHeaders.builder(status).contentType(type);
        b.set("Access-Control-Allow-Origin", "*");
        b.set("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
        b.set("Access-Control-Allow-Headers", "accept, content-type, authorization");
        return b.build();
    }
}
