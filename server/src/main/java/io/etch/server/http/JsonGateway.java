package io.etch.server.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.etch.server.api.ErrorTable;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * etcd's {@code /v3/*} JSON gateway (grpc-gateway v1 as etcd 3.4 configures it; reference §6.3): POST
 * a proto-JSON request to a fixed path, get the proto-JSON response with original (snake_case) field
 * names, 64-bit integers as strings and zero values omitted. Errors are
 * {@code {"error":msg,"message":msg,"code":grpcCode}} with the HTTP status grpc-gateway picks for the code.
 * Streaming RPCs take newline-delimited JSON requests and answer one {@code {"result":{…}}} per message.
 * {@code /v3beta/…} is served as {@code /v3/…}.
 *
 * <p>Routes are added by the services' owner with {@link #unary} and {@link #stream}; the gateway calls
 * the same service objects the gRPC port uses, so behaviour cannot drift. Service methods are called on
 * {@link HttpExchange#blockingExecutor()}. Successful answers carry grpc-gateway's
 * {@code Grpc-Metadata-Content-Type: application/grpc}.
 */
public final class JsonGateway implements HttpRoute {
    private static final JsonFormat.Printer PRINTER =
            JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();

    private final Map<String, Route> routes = new HashMap<>();

    private static final String[] GRPC_METADATA = {"Grpc-Metadata-Content-Type", "application/grpc"};

    private interface Route {
        void serve(String body, HttpExchange ex);
    }

    /**
     * Adds a unary route.
     *
     * @param path e.g. {@code /v3/kv/range}
     * @param prototype the request message's default instance
     * @param call the service method, e.g. {@code kv::range}
     */
    public <Q extends Message, R extends Message> JsonGateway unary(String path, Q prototype,
                                                                    BiConsumer<Q, StreamObserver<R>> call) {
        routes.put(path, (body, ex) -> {
            Q request = parse(body, prototype);
            call.accept(request, new StreamObserver<>() {
                @Override
                public void onNext(R value) {
                    ex.reply(HttpResponseStatus.OK, HttpExchange.JSON, print(value), GRPC_METADATA);
                }

                @Override
                public void onError(Throwable t) {
                    error(ex, Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    // the answer went out with onNext
                }
            });
        });
        return this;
    }

    /**
     * Adds a bidirectional or client-streaming route: every JSON value in the body is one request;
     * every response is written as {@code {"result":…}} followed by a newline.
     */
    public <Q extends Message, R extends Message> JsonGateway stream(String path, Q prototype,
                                                                     Function<StreamObserver<R>, StreamObserver<Q>> call) {
        routes.put(path, (body, ex) -> {
            java.util.List<Q> requests = new java.util.ArrayList<>();
            for (String line : splitJsonValues(body)) {
                requests.add(parse(line, prototype));
            }
            GatewayCall<R> response = new GatewayCall<>(
                    ex.stream(HttpResponseStatus.OK, HttpExchange.JSON, GRPC_METADATA));
            StreamObserver<Q> in = call.apply(response);
            // When the HTTP client goes away, end the call so that its watchers and keep-alives stop.
            ex.onClose(() -> {
                response.cancelled();
                in.onError(Status.CANCELLED.withDescription("client closed the stream").asRuntimeException());
            });
            for (Q q : requests) {
                in.onNext(q);
            }
            in.onCompleted(); // the request body is complete: a half-close, as grpc-gateway sends
        });
        return this;
    }

    /**
     * Serves {@code POST /v3/…} and {@code /v3beta/…}: 404 {@code Not Found} for an unknown path, 405 for
     * another method, grpc-gateway's JSON error for a body that is not the request message.
     */
    @Override
    public void serve(HttpExchange ex) {
        String path = ex.path();
        if (path.startsWith("/v3beta/")) {
            path = "/v3/" + path.substring("/v3beta/".length());
        }
        Route route = routes.get(path);
        if (route == null) {
            ex.reply(HttpResponseStatus.NOT_FOUND, HttpExchange.TEXT, "Not Found\n",
                    "X-Content-Type-Options", "nosniff");
            return;
        }
        if (!"POST".equals(ex.method())) {
            ex.reply(HttpResponseStatus.METHOD_NOT_ALLOWED, HttpExchange.TEXT, "Method Not Allowed\n",
                    "X-Content-Type-Options", "nosniff");
            return;
        }
        ex.blockingExecutor().execute(() -> {
            try {
                route.serve(ex.body(), ex);
            } catch (BadJson e) {
                error(ex, Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
            } catch (RuntimeException e) {
                error(ex, ErrorTable.toStatus(e).getStatus());
            }
        });
    }

    private static <Q extends Message> Q parse(String body, Q prototype) {
        Message.Builder b = prototype.newBuilderForType();
        if (!body.isBlank()) {
            try {
                PARSER.merge(body, b);
            } catch (InvalidProtocolBufferException e) {
                throw new BadJson(e.getMessage());
            }
        }
        @SuppressWarnings("unchecked")
        Q q = (Q) b.build();
        return q;
    }

    private static String print(Message m) {
        try {
            return PRINTER.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void error(HttpExchange ex, Status s) {
        String msg = quote(describe(s));
        ex.reply(httpStatus(s.getCode()), HttpExchange.JSON,
                "{\"error\":" + msg + ",\"message\":" + msg + ",\"code\":" + s.getCode().value() + "}");
    }

    private static String describe(Status s) {
        return s.getDescription() == null ? s.getCode().name() : s.getDescription();
    }

    /** grpc-gateway v1 {@code HTTPStatusFromCode}. */
    static HttpResponseStatus httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> HttpResponseStatus.OK;
            case CANCELLED -> HttpResponseStatus.REQUEST_TIMEOUT;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> HttpResponseStatus.BAD_REQUEST;
            case DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
            case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
            case ALREADY_EXISTS, ABORTED -> HttpResponseStatus.CONFLICT;
            case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
            case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
            case RESOURCE_EXHAUSTED -> HttpResponseStatus.TOO_MANY_REQUESTS;
            case FAILED_PRECONDITION -> HttpResponseStatus.PRECONDITION_FAILED;
            case UNIMPLEMENTED -> HttpResponseStatus.NOT_IMPLEMENTED;
            case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            default -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
        };
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Splits a body holding several JSON objects (newline-delimited or simply concatenated). */
    static java.util.List<String> splitJsonValues(String body) {
        java.util.List<String> out = new java.util.ArrayList<>();
        int depth = 0;
        int start = -1;
        boolean inString = false;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            if (c == '"') {
                inString = true;
            } else if (c == '{') {
                if (depth++ == 0) {
                    start = i;
                }
            } else if (c == '}' && depth > 0 && --depth == 0) {
                out.add(body.substring(start, i + 1));
            }
        }
        return out;
    }

    private static final class BadJson extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadJson(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The response side of a streaming gateway call, shaped like a gRPC server call so that services
     * which use flow control and cancellation hooks ({@code ServerCallStreamObserver}) work unchanged.
     * The HTTP response is always "ready"; Netty buffers what the client has not read yet.
     */
    private static final class GatewayCall<R extends Message> extends io.grpc.stub.ServerCallStreamObserver<R> {
        private final HttpExchange.Chunks writer;
        private volatile Runnable onCancel;
        private volatile boolean cancelled;

        GatewayCall(HttpExchange.Chunks writer) {
            this.writer = writer;
        }

        void cancelled() {
            cancelled = true;
            Runnable r = onCancel;
            if (r != null) {
                r.run();
            }
        }

        @Override
        public synchronized void onNext(R value) {
            writer.write("{\"result\":" + print(value) + "}\n");
        }

        @Override
        public synchronized void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            writer.write("{\"error\":{\"grpc_code\":" + s.getCode().value()
                    + ",\"http_code\":" + httpStatus(s.getCode()).code() + ",\"message\":"
                    + quote(describe(s)) + ",\"http_status\":" + quote(httpStatus(s.getCode()).reasonPhrase())
                    + "}}\n");
            writer.end();
        }

        @Override
        public synchronized void onCompleted() {
            writer.end();
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public void setOnCancelHandler(Runnable handler) {
            onCancel = handler;
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable handler) {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }
    }
}
