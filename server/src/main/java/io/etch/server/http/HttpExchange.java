package io.etch.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One HTTP/1.1 request on the client port and the means to answer it, once: a whole response
 * ({@link #reply}) or a chunked stream ({@link #stream}). Every response carries etcd's CORS headers and a
 * {@code Date}, as etcd's Go server sends them. Methods may be called from any thread. The request body is
 * decoded as UTF-8.
 */
public final class HttpExchange {
    /** {@code text/plain; charset=utf-8}. */
    public static final String TEXT = "text/plain; charset=utf-8";
    /** {@code application/json}. */
    public static final String JSON = "application/json";

    private final ChannelHandlerContext ctx;
    private final String method;
    private final String path;
    private final String body;
    private final Executor blocking;
    private final AtomicBoolean answered = new AtomicBoolean();

    HttpExchange(ChannelHandlerContext ctx, String method, String path, String body, Executor blocking) {
        this.ctx = ctx;
        this.method = method;
        this.path = path;
        this.body = body;
        this.blocking = blocking;
    }

    /** The request method, e.g. {@code GET}. */
    public String method() {
        return method;
    }

    /** The request path without the query string, e.g. {@code /v3/kv/range}. */
    public String path() {
        return path;
    }

    /** The request body, empty when there is none. */
    public String body() {
        return body;
    }

    /** An executor for work that may block (store reads, waits); never the connection's event loop. */
    public Executor blockingExecutor() {
        return blocking;
    }

    /**
     * Sends a whole response with {@code Content-Length}.
     *
     * @param extraHeaders header name/value pairs added after the CORS headers and the content type
     * @throws IllegalStateException if this exchange was already answered
     */
    public void reply(HttpResponseStatus status, String contentType, String body, String... extraHeaders) {
        claim();
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        head(r.headers(), contentType, extraHeaders);
        r.headers().setInt("Content-Length", content.readableBytes());
        ctx.writeAndFlush(r);
    }

    /** 405 with etcd's text, {@code Allow} listing {@code allowed}. */
    public void methodNotAllowed(String allowed) {
        reply(HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, "Method Not Allowed\n",
                "Allow", allowed, "X-Content-Type-Options", "nosniff");
    }

    /**
     * Starts a chunked response; the returned stream writes chunks and ends it.
     *
     * @throws IllegalStateException if this exchange was already answered
     */
    public Chunks stream(HttpResponseStatus status, String contentType, String... extraHeaders) {
        claim();
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        head(r.headers(), contentType, extraHeaders);
        r.headers().set("Transfer-Encoding", HttpHeaderValues.CHUNKED);
        ctx.writeAndFlush(r);
        return new Chunks();
    }

    /** Runs {@code r} once when the connection closes (the client went away, or the server stops). */
    public void onClose(Runnable r) {
        ctx.channel().closeFuture().addListener(f -> r.run());
    }

    private void claim() {
        if (!answered.compareAndSet(false, true)) {
            throw new IllegalStateException("already answered: " + method + " " + path);
        }
    }

    private static void head(HttpHeaders h, String contentType, String... extra) {
        h.set("Access-Control-Allow-Headers", "accept, content-type, authorization");
        h.set("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
        h.set("Access-Control-Allow-Origin", "*");
        h.set("Content-Type", contentType);
        for (int i = 0; i + 1 < extra.length; i += 2) {
            h.add(extra[i], extra[i + 1]);
        }
        h.set("Date", DateFormatter.format(new Date()));
    }

    /** The body of a chunked response. Thread-safe; writes after {@link #end} are dropped. */
    public final class Chunks {
        private final AtomicBoolean ended = new AtomicBoolean();

        private Chunks() {
        }

        /** Writes {@code text} (UTF-8) as one chunk and flushes it. */
        public void write(String text) {
            if (!ended.get()) {
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
            }
        }

        /** Ends the response (the terminating chunk). Idempotent. */
        public void end() {
            if (ended.compareAndSet(false, true)) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }

        /** Ends the response and closes the connection. */
        public void endAndClose() {
            if (ended.compareAndSet(false, true)) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
