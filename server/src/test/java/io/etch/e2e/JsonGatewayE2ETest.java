package io.etch.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code /v3/*} JSON gateway and the plain HTTP endpoints on the client port, as curl users see
 * them (reference §6). Runs against etcd too ({@code -De2e.target=etcd}).
 */
class JsonGatewayE2ETest {
    @RegisterExtension
    static final ClusterExtension CLUSTER = new ClusterExtension("gateway");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static String base;

    @BeforeAll
    static void setUp() {
        base = CLUSTER.cluster().member("n1").clientUrl();
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void putRangeAndErrorsAsTheGatewayAnswers() throws Exception {
        HttpResponse<String> put = post("/v3/kv/put", "{\"key\":\"Z3c=\",\"value\":\"djE=\"}");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).matches("\\{\"header\":\\{\"cluster_id\":\"\\d+\",\"member_id\":\"\\d+\","
                + "\"revision\":\"\\d+\",\"raft_term\":\"\\d+\"}}");

        HttpResponse<String> range = post("/v3beta/kv/range", "{\"key\":\"Z3c=\"}");
        assertThat(range.statusCode()).isEqualTo(200);
        assertThat(range.body()).contains("\"kvs\":[{\"key\":\"Z3c=\",\"create_revision\":\"")
                .contains("\"version\":\"1\",\"value\":\"djE=\"}],\"count\":\"1\"}");

        HttpResponse<String> missing = post("/v3/kv/range", "{\"key\":\"bm9rZXk=\"}");
        assertThat(missing.body()).doesNotContain("kvs").doesNotContain("count");

        HttpResponse<String> noKey = post("/v3/kv/range", "{}");
        assertThat(noKey.statusCode()).isEqualTo(400);
        assertThat(noKey.body()).isEqualTo("{\"error\":\"etcdserver: key is not provided\","
                + "\"message\":\"etcdserver: key is not provided\",\"code\":3}");

        HttpResponse<String> future = post("/v3/kv/compaction", "{\"revision\":100000}");
        assertThat(future.statusCode()).isEqualTo(400);
        assertThat(future.body()).contains("\"code\":11").contains("required revision is a future revision");

        assertThat(get("/v3/kv/range").statusCode()).isEqualTo(405);
        assertThat(post("/v3/kv/nope", "{}").statusCode()).isEqualTo(404);
    }

    @Test
    void memberListAndStatus() throws Exception {
        HttpResponse<String> list = post("/v3/cluster/member/list", "{}");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("\"name\":\"n1\"").contains("\"peerURLs\":[\"").doesNotContain("\"revision\"");
        HttpResponse<String> status = post("/v3/maintenance/status", "{}");
        assertThat(status.body()).contains("\"version\":\"3.4.23\"").contains("\"leader\":\"");
    }

    @Test
    void healthAndVersion() throws Exception {
        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\"health\":\"true\"}");
        HttpResponse<String> version = get("/version");
        assertThat(version.statusCode()).isEqualTo(200);
        assertThat(version.body()).isEqualTo("{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"3.4.0\"}");
        assertThat(version.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void leaseGrantAndAStreamedWatch() throws Exception {
        HttpResponse<String> grant = post("/v3/lease/grant", "{\"TTL\":30}");
        assertThat(grant.statusCode()).isEqualTo(200);
        assertThat(grant.body()).matches(".*\"ID\":\"\\d+\",\"TTL\":\"30\"}");
        HttpResponse<String> ttl = post("/v3/lease/timetolive", "{\"ID\":12345}");
        assertThat(ttl.body()).contains("\"ID\":\"12345\",\"TTL\":\"-1\"");

        HttpResponse<java.util.stream.Stream<String>> watch = HTTP.send(HttpRequest.newBuilder(
                URI.create(base + "/v3/watch")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"create_request\":{\"key\":\"Z3dhdGNo\"}}")).build(),
                HttpResponse.BodyHandlers.ofLines());
        java.util.Iterator<String> lines = watch.body().iterator();
        String created = lines.next();
        assertThat(created).startsWith("{\"result\":{\"header\":").contains("\"created\":true");
        post("/v3/kv/put", "{\"key\":\"Z3dhdGNo\",\"value\":\"MQ==\"}");
        String event = lines.next();
        assertThat(event).contains("\"events\":[{\"kv\":{\"key\":\"Z3dhdGNo\"").contains("\"value\":\"MQ==\"");
        watch.body().close();
    }
}
