package io.etch.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.alipay.sofa.jraft.error.ConnectionFailureException;
import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.CliRequests;
import com.alipay.sofa.jraft.rpc.Connection;
import com.alipay.sofa.jraft.rpc.InvokeCallback;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesResponse;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import com.google.protobuf.ByteString;
import com.google.protobuf.StringValue;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The transport's RPC contract, without raft nodes. */
class GrpcRpcTransportTest {

    static {
        System.setProperty("com.google.protobuf.use_unsafe_pre22_gencode", "true");
    }

    private static final MethodDescriptor<StringValue, StringValue> ECHO = MethodDescriptor
        .<StringValue, StringValue>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("etch.test.Echo/Echo")
        .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
        .build();

    private final List<GrpcRpcServer> servers = new ArrayList<>();
    private final List<ExecutorService> executors = new ArrayList<>();
    private GrpcRpcClient client;
    private PeerChannels channels;

    @BeforeEach
    void setUp() {
        client = new GrpcRpcClient(null);
        client.init(new RpcOptions());
        channels = new PeerChannels();
    }

    @AfterEach
    void tearDown() {
        client.shutdown();
        channels.shutdown();
        servers.forEach(GrpcRpcServer::shutdown);
        executors.forEach(ExecutorService::shutdownNow);
    }

    private GrpcRpcServer start(GrpcRpcServer server) {
        servers.add(server);
        assertThat(server.init(null)).isTrue();
        return server;
    }

    private static Endpoint local(GrpcRpcServer server) {
        return new Endpoint("127.0.0.1", server.boundPort());
    }

    @Test
    void peerPortServesAnExtraServiceBesideJraft() throws Exception {
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        GrpcRpcServer server = new GrpcRpcServer("127.0.0.1", 0);
        server.addService(() -> ServerServiceDefinition.builder("etch.test.Echo")
            .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
                threads.add(Thread.currentThread().getName());
                out.onNext(StringValue.of("echo:" + req.getValue()));
                out.onCompleted();
            }))
            .build());
        RaftRpcServerFactory.addRaftRequestProcessors(server);
        start(server);
        assertThat(server.boundPort()).isPositive();

        StringValue reply = ClientCalls.blockingUnaryCall(channels.channel("127.0.0.1", server.boundPort()),
            ECHO, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), StringValue.of("hi"));
        assertThat(reply.getValue()).isEqualTo("echo:hi");
        assertThat(threads).allMatch(name -> name.startsWith("etch-peer-svc-"));
        assertThat(channels.channel("127.0.0.1", server.boundPort()))
            .isSameAs(channels.channel("127.0.0.1", server.boundPort()));

        // jraft's own processors on the same port
        Object ping = client.invokeSync(local(server),
            RpcRequests.PingRequest.newBuilder().setSendTimestamp(System.currentTimeMillis()).build(), 5000);
        assertThat(ping).isInstanceOf(RpcRequests.ErrorResponse.class);
        assertThat(((RpcRequests.ErrorResponse) ping).getErrorCode()).isZero();
    }

    /** A service's methods named at registration run on the transport thread; an unknown name is refused. */
    @Test
    void namedServiceMethodsRunOnTheTransportThread() throws Exception {
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        GrpcRpcServer server = new GrpcRpcServer("127.0.0.1", 0);
        io.grpc.BindableService echo = () -> ServerServiceDefinition.builder("etch.test.Echo")
            .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
                threads.add(Thread.currentThread().getName());
                out.onNext(StringValue.of("echo:" + req.getValue()));
                out.onCompleted();
            }))
            .build();
        assertThatThrownBy(() -> server.addService(echo, Set.of("etch.test.Echo/NoSuchMethod")))
            .isInstanceOf(IllegalArgumentException.class);
        server.addService(echo, Set.of(ECHO.getFullMethodName()));
        start(server);

        StringValue reply = ClientCalls.blockingUnaryCall(channels.channel("127.0.0.1", server.boundPort()),
            ECHO, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), StringValue.of("hi"));
        assertThat(reply.getValue()).isEqualTo("echo:hi");
        assertThat(threads).hasSize(1);
        assertThat(threads.get(0)).startsWith("grpc-").contains("worker");
    }

    @Test
    void jraftErrorsTravelInsideTheResponseType() throws Exception {
        assertThat(RpcFactoryHelper.rpcFactory()).isInstanceOf(GrpcRaftRpcFactory.class);
        GrpcRpcServer server = new GrpcRpcServer("127.0.0.1", 0);
        RaftRpcServerFactory.addRaftRequestProcessors(server);
        start(server);

        Object resp = client.invokeSync(local(server),
            CliRequests.GetLeaderRequest.newBuilder().setGroupId("no-such-group").build(), 5000);
        assertThat(resp).isInstanceOf(CliRequests.GetLeaderResponse.class);
        CliRequests.GetLeaderResponse leader = (CliRequests.GetLeaderResponse) resp;
        assertThat(leader.hasErrorResponse()).isTrue();
        assertThat(leader.getErrorResponse().getErrorCode()).isEqualTo(RaftError.ENOENT.getNumber());
    }

    @Test
    void deadlineBecomesInvokeTimeoutAndRefusedConnectionAConnectionFailure() throws Exception {
        GrpcRpcServer server = new GrpcRpcServer("127.0.0.1", 0);
        server.registerProcessor(new RpcProcessor<CliRequests.GetPeersRequest>() {
            @Override
            public void handleRequest(RpcContext ctx, CliRequests.GetPeersRequest request) {
                // never answers
            }

            @Override
            public String interest() {
                return CliRequests.GetPeersRequest.class.getName();
            }
        });
        start(server);
        CliRequests.GetPeersRequest req = CliRequests.GetPeersRequest.newBuilder().setGroupId("g").build();

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> client.invokeSync(local(server), req, 300))
            .isInstanceOf(InvokeTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertThatThrownBy(() -> client.invokeSync(new Endpoint("127.0.0.1", closedPort), req, 2000))
            .isInstanceOf(ConnectionFailureException.class);
        assertThat(client.checkConnection(new Endpoint("127.0.0.1", closedPort))).isFalse();
    }

    /**
     * Pipelined AppendEntries must reach the processor in send order, although a small request can finish
     * arriving before a large one sent just before it.
     */
    @Test
    void appendEntriesKeepTheirOrderOnOneConnection() throws Exception {
        List<Long> seen = Collections.synchronizedList(new ArrayList<>());
        Set<Connection> connections = ConcurrentHashMap.newKeySet();
        GrpcRpcServer server = new GrpcRpcServer("127.0.0.1", 0);
        server.registerProcessor(new AppendProcessor(seen, connections));
        start(server);

        int n = 100;
        ByteString big = ByteString.copyFrom(new byte[256 * 1024]);
        CountDownLatch done = new CountDownLatch(n);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        client.checkConnection(local(server), true); // starts connecting
        Await.until("connected", Duration.ofSeconds(5), () -> client.checkConnection(local(server)));
        for (int i = 0; i < n; i++) {
            AppendEntriesRequest.Builder b = append(i);
            if (i % 2 == 0) {
                b.setData(big);
            }
            client.invokeAsync(local(server), b.build(), null, callback(done, errors), 10_000);
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(errors).isEmpty();
        assertThat(seen).containsExactlyElementsOf(IntStream.range(0, n).mapToObj(i -> (long) i).toList());
        assertThat(connections).hasSize(1);
    }

    /**
     * AppendEntries requests and their answers skip the executors: the processor runs on the server's transport
     * thread, the answer's callback on the client's, although both offer an executor. Other requests still go to
     * their processor's executor and their callback's.
     */
    @Test
    void appendEntriesAndTheirAnswersRunOnTheTransportThreads() throws Exception {
        ExecutorService processorPool = Executors.newSingleThreadExecutor(r -> new Thread(r, "processor-pool"));
        ExecutorService callbackPool = Executors.newSingleThreadExecutor(r -> new Thread(r, "callback-pool"));
        executors.add(processorPool);
        executors.add(callbackPool);
        List<String> handledOn = Collections.synchronizedList(new ArrayList<>());
        GrpcRpcServer server = new GrpcRpcServer("127.0.0.1", 0);
        server.registerProcessor(new AppendProcessor(new ArrayList<>(), ConcurrentHashMap.newKeySet()) {
            @Override
            public void handleRequest(RpcContext ctx, AppendEntriesRequest request) {
                handledOn.add(Thread.currentThread().getName());
                super.handleRequest(ctx, request);
            }

            @Override
            public Executor executor() {
                return processorPool;
            }
        });
        server.registerProcessor(new RpcProcessor<CliRequests.GetPeersRequest>() {
            @Override
            public void handleRequest(RpcContext ctx, CliRequests.GetPeersRequest request) {
                handledOn.add(Thread.currentThread().getName());
                ctx.sendResponse(CliRequests.GetPeersResponse.getDefaultInstance());
            }

            @Override
            public String interest() {
                return CliRequests.GetPeersRequest.class.getName();
            }

            @Override
            public Executor executor() {
                return processorPool;
            }
        });
        start(server);

        List<String> answeredOn = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(2);
        InvokeCallback callback = new InvokeCallback() {
            @Override
            public void complete(Object result, Throwable err) {
                answeredOn.add(Thread.currentThread().getName() + (err == null ? "" : " " + err));
                done.countDown();
            }

            @Override
            public Executor executor() {
                return callbackPool;
            }
        };
        client.invokeAsync(local(server), append(1).build(), null, callback, 5000);
        Await.until("the append answered", Duration.ofSeconds(5), () -> done.getCount() == 1);
        client.invokeAsync(local(server), CliRequests.GetPeersRequest.newBuilder().setGroupId("g").build(), null,
            callback, 5000);
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(handledOn).hasSize(2);
        assertThat(handledOn.get(0)).startsWith("grpc-").contains("worker");
        assertThat(handledOn.get(1)).isEqualTo("processor-pool");
        assertThat(answeredOn).hasSize(2);
        assertThat(answeredOn.get(0)).startsWith("grpc-").contains("worker");
        assertThat(answeredOn.get(1)).isEqualTo("callback-pool");
    }

    @Test
    void serverClosingAConnectionFailsItsCallsFiresCloseAndTheClientReconnects() throws Exception {
        List<Long> seen = Collections.synchronizedList(new ArrayList<>());
        Set<Connection> connections = ConcurrentHashMap.newKeySet();
        List<Connection> closed = Collections.synchronizedList(new ArrayList<>());
        GrpcRpcServer server = new GrpcRpcServer("127.0.0.1", 0);
        server.registerProcessor(new AppendProcessor(seen, connections));
        server.registerConnectionClosedEventListener((addr, conn) -> closed.add(conn));
        start(server);

        assertThat(client.invokeSync(local(server), append(1).build(), 5000)).isInstanceOf(AppendEntriesResponse.class);
        assertThatThrownBy(() -> client.invokeSync(local(server), append(-1).build(), 5000)) // server closes
            .isInstanceOf(RemotingException.class);
        Await.until("close event", Duration.ofSeconds(5), () -> closed.size() == 1);
        assertThat(closed.get(0).getAttribute("seen")).isEqualTo(Boolean.TRUE);

        Await.until("a new connection serves", Duration.ofSeconds(10), () -> {
            try {
                return client.invokeSync(local(server), append(2).build(), 2000) instanceof AppendEntriesResponse;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(connections).hasSize(2);
    }

    private static AppendEntriesRequest.Builder append(long seq) {
        return AppendEntriesRequest.newBuilder()
            .setGroupId("g").setServerId("127.0.0.1:1").setPeerId("127.0.0.1:2")
            .setTerm(1).setPrevLogTerm(1).setPrevLogIndex(0).setCommittedIndex(seq);
    }

    private static InvokeCallback callback(CountDownLatch done, ConcurrentLinkedQueue<Throwable> errors) {
        return (result, err) -> {
            if (err != null) {
                errors.add(err);
            }
            done.countDown();
        };
    }

    /** Records committed_index per request; -1 makes it close the connection without answering. */
    private static class AppendProcessor implements RpcProcessor<AppendEntriesRequest> {
        private final List<Long> seen;
        private final Set<Connection> connections;

        AppendProcessor(List<Long> seen, Set<Connection> connections) {
            this.seen = seen;
            this.connections = connections;
        }

        @Override
        public void handleRequest(RpcContext ctx, AppendEntriesRequest request) {
            Connection conn = ctx.getConnection();
            conn.setAttributeIfAbsent("seen", Boolean.TRUE);
            connections.add(conn);
            if (request.getCommittedIndex() == -1) {
                conn.close();
                return;
            }
            seen.add(request.getCommittedIndex());
            ctx.sendResponse(AppendEntriesResponse.newBuilder().setTerm(1).setSuccess(true).build());
        }

        @Override
        public String interest() {
            return AppendEntriesRequest.class.getName();
        }
    }
}
