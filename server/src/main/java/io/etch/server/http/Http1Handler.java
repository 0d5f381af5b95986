package io.etch.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches aggregated HTTP/1.1 requests of one client-port connection to {@link HttpRoutes}; unknown paths
 * get etcd's (Go's) {@code 404 page not found}, malformed requests {@code 400 Bad Request} and a close.
 */
final class Http1Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(Http1Handler.class);

    private final HttpRoutes routes;
    private final Executor blocking;

    Http1Handler(HttpRoutes routes, Executor blocking) {
        this.routes = routes;
        this.blocking = blocking;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            HttpExchange bad = new HttpExchange(ctx, "", "", "", blocking);
            bad.reply(HttpResponseStatus.BAD_REQUEST, HttpExchange.TEXT, "400 Bad Request", "Connection", "close");
            ctx.close();
            return;
        }
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        HttpExchange ex = new HttpExchange(ctx, req.method().name(), path,
                req.content().toString(StandardCharsets.UTF_8), blocking);
        HttpRoute route = routes.find(path);
        if (route == null) {
            ex.reply(HttpResponseStatus.NOT_FOUND, HttpExchange.TEXT, "404 page not found\n",
                    "X-Content-Type-Options", "nosniff");
            return;
        }
        try {
            route.serve(ex);
        } catch (RuntimeException e) {
            LOG.warn("HTTP route {} failed", path, e);
            try {
                ex.reply(HttpResponseStatus.INTERNAL_SERVER_ERROR, HttpExchange.TEXT, "Internal Server Error\n");
            } catch (IllegalStateException alreadyAnswered) {
                ctx.close();
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP/1.1 connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
