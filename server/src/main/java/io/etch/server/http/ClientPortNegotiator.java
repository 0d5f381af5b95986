package io.etch.server.http;

import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * gRPC and HTTP/1.1 on one port, as etcd's cmux serves its client port (reference §0.1): grpc-java's
 * protocol-negotiation hook looks at the first bytes of each connection. The HTTP/2 connection preface
 * ({@code PRI * HTTP/2.0…}, which etcdctl and every gRPC client send with prior knowledge) hands the
 * connection to grpc-java; anything else becomes an HTTP/1.1 connection served by {@link HttpRoutes}.
 * A connection that sends nothing for {@value #SNIFF_TIMEOUT_S} s is closed.
 *
 * <p>HTTP/1.1 connections are not grpc-java transports, so {@link #close()} closes them itself.
 */
public final class ClientPortNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    /** Seconds a new connection may stay silent before its protocol is known. */
    public static final long SNIFF_TIMEOUT_S = 120;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final InternalProtocolNegotiator.ProtocolNegotiator grpc = InternalProtocolNegotiators.serverPlaintext();
    private final HttpRoutes routes;
    private final Executor blocking;
    private final int maxHttpBody;
    private final ChannelGroup http1 = new DefaultChannelGroup("etch-http1", GlobalEventExecutor.INSTANCE);

    /**
     * @param routes the HTTP/1.1 endpoints
     * @param blocking the executor routes may block on
     * @param maxHttpBody largest HTTP/1.1 request body accepted (bigger ones get 413)
     */
    public ClientPortNegotiator(HttpRoutes routes, Executor blocking, int maxHttpBody) {
        this.routes = routes;
        this.blocking = blocking;
        this.maxHttpBody = maxHttpBody;
    }

    @Override
    public AsciiString scheme() {
        return grpc.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new Sniffer(grpcHandler);
    }

    /** Closes every HTTP/1.1 connection (long-lived gateway streams included). */
    @Override
    public void close() {
        http1.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        grpc.close();
    }

    /** Whether {@code in} (readable bytes) starts like the HTTP/2 preface: true, false, or null (need more). */
    static Boolean looksLikeHttp2(ByteBuf in) {
        int n = Math.min(in.readableBytes(), PREFACE.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE[i]) {
                return false;
            }
        }
        return n == PREFACE.length ? Boolean.TRUE : null;
    }

    private final class Sniffer extends ByteToMessageDecoder {
        private final GrpcHttp2ConnectionHandler grpcHandler;
        private ProtocolNegotiationEvent negotiationEvent;
        private ScheduledFuture<?> timeout;

        Sniffer(GrpcHttp2ConnectionHandler grpcHandler) {
            this.grpcHandler = grpcHandler;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            timeout = ctx.executor().schedule(() -> ctx.close(), SNIFF_TIMEOUT_S, TimeUnit.SECONDS);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ProtocolNegotiationEvent pne) {
                negotiationEvent = pne; // passed on once we know the connection is gRPC
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            Boolean h2 = looksLikeHttp2(in);
            if (h2 == null || negotiationEvent == null) {
                return; // wait for more bytes
            }
            timeout.cancel(false);
            ChannelPipeline p = ctx.pipeline();
            if (h2) {
                p.addAfter(ctx.name(), null, grpc.newHandler(grpcHandler));
                ctx.fireUserEventTriggered(negotiationEvent);
            } else {
                http1.add(ctx.channel());
                p.addAfter(ctx.name(), "http1-codec", new HttpServerCodec());
                p.addAfter("http1-codec", "http1-keepalive", new HttpServerKeepAliveHandler());
                p.addAfter("http1-keepalive", "http1-aggregator", new HttpObjectAggregator(maxHttpBody));
                p.addAfter("http1-aggregator", "http1", new Http1Handler(routes, blocking));
            }
            p.remove(this); // hands the bytes read so far to the handlers just added
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            timeout.cancel(false);
        }
    }
}
