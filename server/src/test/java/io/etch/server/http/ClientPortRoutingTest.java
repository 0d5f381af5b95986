package io.etch.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClientPortRoutingTest {
    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void theHttp2PrefaceIsRecognisedOnlyWhenComplete() {
        String preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
        assertThat(ClientPortNegotiator.looksLikeHttp2(bytes(preface))).isTrue();
        assertThat(ClientPortNegotiator.looksLikeHttp2(bytes(preface + "\0\0\022\4"))).isTrue();
        assertThat(ClientPortNegotiator.looksLikeHttp2(bytes("PRI * HTTP/2"))).isNull(); // need more bytes
        assertThat(ClientPortNegotiator.looksLikeHttp2(bytes(""))).isNull();
        assertThat(ClientPortNegotiator.looksLikeHttp2(bytes("P"))).isNull();
        assertThat(ClientPortNegotiator.looksLikeHttp2(bytes("POST /v3/kv/range HTTP/1.1\r\n"))).isFalse();
        assertThat(ClientPortNegotiator.looksLikeHttp2(bytes("PUT"))).isFalse();
        assertThat(ClientPortNegotiator.looksLikeHttp2(bytes("GET /health HTTP/1.1\r\n\r\n"))).isFalse();
        // a short HTTP/1.1 request is decided before 24 bytes arrive
        assertThat(ClientPortNegotiator.looksLikeHttp2(bytes("GET / HTTP/1.0\r\n\r\n"))).isFalse();
    }

    @Test
    void exactPathsWinOverTheLongestPrefix() {
        HttpRoute health = ex -> { };
        HttpRoute v3 = ex -> { };
        HttpRoute v3kv = ex -> { };
        HttpRoutes routes = new HttpRoutes().add("/health", health).addPrefix("/v3/", v3).addPrefix("/v3/kv/", v3kv)
                .add("/v3/kv/special", health);
        assertThat(routes.find("/health")).isSameAs(health);
        assertThat(routes.find("/health/")).isNull();
        assertThat(routes.find("/v3/watch")).isSameAs(v3);
        assertThat(routes.find("/v3/kv/range")).isSameAs(v3kv);
        assertThat(routes.find("/v3/kv/special")).isSameAs(health);
        assertThat(routes.find("/v3")).isNull();
        assertThat(routes.find("/metrics")).isNull();
    }
}
