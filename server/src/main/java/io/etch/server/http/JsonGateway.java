package io.etch.server.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.etch.server.api.ErrorTable;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
 * the same service objects the gRPC port uses, so behaviour cannot drift.
 */
public final class JsonGateway implements HttpService {
    private static final JsonFormat.Printer PRINTER =
            JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();

    private final Map<String, Route> routes = new HashMap<>();

    private interface Route {
        HttpResponse serve(String body);
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
        routes.put(path, body -> {
            Q request = parse(body, prototype);
            CompletableFuture<HttpResponse> result = new CompletableFuture<>();
            call.accept(request, new StreamObserver<>() {
                @Override
                public void onNext(R value) {
                    result.complete(json(HttpStatus.OK, print(value)));
                }

                @Override
                public void onError(Throwable t) {
                    result.complete(error(Status.fromThrowable(t)));
                }

                @Override
                public void onCompleted() {
                    result.complete(error(Status.INTERNAL.withDescription("no response")));
                }
            });
            return HttpResponse.of(result);
        });
        return this;
    }

    /**
     * Adds a bidirectional or client-streaming route: every JSON value in the body is one request;
     * every response is written as {@code {"result":…}} followed by a newline.
     */
    public <Q extends Message, R extends Message> JsonGateway stream(String path, Q prototype,
                                                                     Function<StreamObserver<R>, StreamObserver<Q>> call) {
        routes.put(path, body -> {
            HttpResponseWriter writer = HttpResponse.streaming();
            writer.write(HttpEndpoints.headers(HttpStatus.OK, MediaType.JSON));
            GatewayCall<R> response = new GatewayCall<>(writer);
            StreamObserver<Q> requests = call.apply(response);
            // When the HTTP client goes away, end the call so that its watchers and keep-alives stop.
            writer.whenComplete().handle((v, e) -> {
                response.cancelled();
                requests.onError(Status.CANCELLED.withDescription("client closed the stream").asRuntimeException());
                return null;
            });
            for (String line : splitJsonValues(body)) {
                requests.onNext(parse(line, prototype));
            }
            return writer;
        });
        return this;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        String path = ctx.path();
        if (path.startsWith("/v3beta/")) {
            path = "/v3/" + path.substring("/v3beta/".length());
        }
        Route route = routes.get(path);
        if (route == null) {
            return HttpResponse.of(HttpEndpoints.headers(HttpStatus.NOT_FOUND, MediaType.PLAIN_TEXT_UTF_8),
                    HttpData.ofUtf8("Not Found\n"));
        }
        if (req.method() != HttpMethod.POST) {
            return HttpResponse.of(HttpEndpoints.headers(HttpStatus.METHOD_NOT_ALLOWED, MediaType.PLAIN_TEXT_UTF_8),
                    HttpData.ofUtf8("Method Not Allowed\n"));
        }
        return HttpResponse.of(req.aggregate().thenApply((AggregatedHttpRequest agg) -> {
            try {
                return route.serve(agg.contentUtf8());
            } catch (BadJson e) {
                return error(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
            } catch (RuntimeException e) {
                return error(ErrorTable.toStatus(e).getStatus());
            }
        }));
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

    private static HttpResponse json(HttpStatus status, String body) {
        return HttpResponse.of(HttpEndpoints.headers(status, MediaType.JSON), HttpData.ofUtf8(body));
    }

    private static HttpResponse error(Status s) {
        String msg = quote(describe(s));
        return json(httpStatus(s.getCode()),
                "{\"error\":" + msg + ",\"message\":" + msg + ",\"code\":" + s.getCode().value() + "}");
    }

    private static String describe(Status s) {
        return s.getDescription() == null ? s.getCode().name() : s.getDescription();
    }

    /** grpc-gateway v1 {@code HTTPStatusFromCode}. */
    static HttpStatus httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> HttpStatus.OK;
            case CANCELLED -> HttpStatus.REQUEST_TIMEOUT;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> HttpStatus.BAD_REQUEST;
            case DEADLINE_EXCEEDED -> HttpStatus.GATEWAY_TIMEOUT;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case ALREADY_EXISTS, ABORTED -> HttpStatus.CONFLICT;
            case PERMISSION_DENIED -> HttpStatus.FORBIDDEN;
            case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
            case RESOURCE_EXHAUSTED -> HttpStatus.TOO_MANY_REQUESTS;
            case FAILED_PRECONDITION -> HttpStatus.PRECONDITION_FAILED;
            case UNIMPLEMENTED -> HttpStatus.NOT_IMPLEMENTED;
            case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            default -> HttpStatus.INTERNAL_SERVER_ERROR;
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
     * The HTTP response is always "ready"; Armeria buffers what the client has not read yet.
     */
    private static final class GatewayCall<R extends Message> extends io.grpc.stub.ServerCallStreamObserver<R> {
        private final HttpResponseWriter writer;
        private volatile Runnable onCancel;
        private volatile boolean cancelled;

        GatewayCall(HttpResponseWriter writer) {
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
            writer.tryWrite(HttpData.ofUtf8("{\"result\":" + print(value) + "}\n"));
        }

        @Override
        public synchronized void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            writer.tryWrite(HttpData.ofUtf8("{\"error\":{\"grpc_code\":" + s.getCode().value()
                    + ",\"http_code\":" + httpStatus(s.getCode()).code() + ",\"message\":"
                    + quote(describe(s)) + ",\"http_status\":" + quote(httpStatus(s.getCode()).reasonPhrase())
                    + "}}\n"));
            writer.close();
        }

        @Override
        public synchronized void onCompleted() {
            writer.close();
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
