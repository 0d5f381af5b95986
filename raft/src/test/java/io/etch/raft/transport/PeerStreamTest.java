package io.etch.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.alipay.sofa.jraft.error.ConnectionFailureException;
import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.CliRequests.GetLeaderRequest;
import com.alipay.sofa.jraft.rpc.CliRequests.GetPeersRequest;
import com.alipay.sofa.jraft.rpc.CliRequests.GetPeersResponse;
import com.alipay.sofa.jraft.rpc.Connection;
import com.alipay.sofa.jraft.rpc.InvokeCallback;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.util.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The multiplexed peer stream: many calls on one {@code PeerRpc.Exchange} stream matched by call id, per-call
 * timeouts, and what happens to waiting calls when the stream ends.
 */
class PeerStreamTest {

    static {
        System.setProperty("com.google.protobuf.use_unsafe_pre22_gencode", "true");
    }

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<GrpcRpcServer> servers = new ArrayList<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private GrpcRpcClient client;

    @BeforeEach
    void setUp() {
        client = new GrpcRpcClient(null);
        client.init(new RpcOptions());
    }

    @AfterEach
    void tearDown() {
        client.shutdown();
        servers.forEach(GrpcRpcServer::shutdown);
    }

    /** A server on {@code port} (0 = ephemeral) answering GetPeers with {@code behaviour}. */
    private GrpcRpcServer serve(int port, BiConsumer<RpcContext, GetPeersRequest> behaviour) {
        GrpcRpcServer server = new GrpcRpcServer("127.0.0.1", port);
        server.registerProcessor(new RpcProcessor<GetPeersRequest>() {
            @Override
            public void handleRequest(RpcContext ctx, GetPeersRequest request) {
                connections.add(ctx.getConnection());
                behaviour.accept(ctx, request);
            }

            @Override
            public String interest() {
                return GetPeersRequest.class.getName();
            }
        });
        servers.add(server);
        assertThat(server.init(null)).isTrue();
        return server;
    }

    private static void echo(RpcContext ctx, GetPeersRequest request) {
        ctx.sendResponse(GetPeersResponse.newBuilder().addPeers(request.getGroupId()).build());
    }

    private static GetPeersRequest request(String group) {
        return GetPeersRequest.newBuilder().setGroupId(group).build();
    }

    private static Endpoint local(GrpcRpcServer server) {
        return new Endpoint("127.0.0.1", server.boundPort());
    }

    private CompletableFuture<Object> invoke(Endpoint endpoint, String group, long timeoutMs)
        throws RemotingException, InterruptedException {
        CompletableFuture<Object> result = new CompletableFuture<>();
        client.invokeAsync(endpoint, request(group), null, (InvokeCallback) (resp, err) -> {
            if (err != null) {
                result.completeExceptionally(err);
            } else {
                result.complete(resp);
            }
        }, timeoutMs);
        return result;
    }

    private static Throwable failure(CompletableFuture<Object> call) throws InterruptedException {
        try {
            call.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("call succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("call did not complete within " + WAIT, e);
        }
    }

    private static String answer(CompletableFuture<Object> call) throws Exception {
        Object resp = call.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(resp).isInstanceOf(GetPeersResponse.class);
        return ((GetPeersResponse) resp).getPeers(0);
    }

    /** Requests from many threads, answered in reverse arrival order: each call gets its own answer. */
    @Test
    void concurrentCallsShareOneStreamAndGetTheirOwnAnswers() throws Exception {
        int threads = 8;
        int perThread = 50;
        int total = threads * perThread;
        List<Map.Entry<RpcContext, GetPeersRequest>> held = Collections.synchronizedList(new ArrayList<>());
        GrpcRpcServer server = serve(0, (ctx, req) -> {
            int arrived;
            synchronized (held) {
                held.add(Map.entry(ctx, req));
                arrived = held.size();
            }
            if (arrived == total) { // everything arrived: answer last to first
                for (int i = total - 1; i >= 0; i--) {
                    echo(held.get(i).getKey(), held.get(i).getValue());
                }
            }
        });
        Map<String, CompletableFuture<Object>> calls = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread sender = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        String group = "t" + thread + "-" + i;
                        calls.put(group, invoke(local(server), group, 20_000));
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            sender.start();
            senders.add(sender);
        }
        start.countDown();
        for (Thread t : senders) {
            t.join(WAIT.toMillis());
        }
        assertThat(calls).hasSize(total);
        for (Map.Entry<String, CompletableFuture<Object>> call : calls.entrySet()) {
            assertThat(answer(call.getValue())).isEqualTo(call.getKey());
        }
        assertThat(connections).hasSize(1);
    }

    @Test
    void aTimedOutCallDoesNotDisturbTheOthers() throws Exception {
        CompletableFuture<RpcContext> slowCall = new CompletableFuture<>();
        GrpcRpcServer server = serve(0, (ctx, req) -> {
            if (req.getGroupId().equals("slow")) {
                slowCall.complete(ctx); // answered by the test, too late
            } else {
                echo(ctx, req);
            }
        });
        CompletableFuture<Object> slow = invoke(local(server), "slow", 300);
        RpcContext slowCtx = slowCall.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        CompletableFuture<Object> fast = invoke(local(server), "fast", 10_000);
        assertThat(answer(fast)).isEqualTo("fast");

        assertThat(failure(slow)).isInstanceOf(InvokeTimeoutException.class);
        slowCtx.sendResponse(GetPeersResponse.newBuilder().addPeers("late").build()); // ignored by the client
        for (int i = 0; i < 3; i++) {
            assertThat(answer(invoke(local(server), "after" + i, 10_000))).isEqualTo("after" + i);
        }
        assertThat(slow.isCompletedExceptionally()).isTrue();
        assertThat(connections).hasSize(1);
    }

    @Test
    void anUnknownRequestTypeFailsOnlyThatCall() throws Exception {
        GrpcRpcServer server = serve(0, PeerStreamTest::echo);
        assertThatThrownBy(() -> client.invokeSync(local(server),
            GetLeaderRequest.newBuilder().setGroupId("g").build(), 5000))
            .isInstanceOf(RemotingException.class)
            .isNotInstanceOf(ConnectionFailureException.class)
            .hasMessageContaining("no processor for request type 'jraft.GetLeaderRequest'");
        assertThat(answer(invoke(local(server), "next", 5000))).isEqualTo("next");
    }

    @Test
    void aBrokenStreamFailsItsWaitingCallsAndTheNextCallReconnects() throws Exception {
        CountDownLatch arrived = new CountDownLatch(3);
        GrpcRpcServer first = serve(0, (ctx, req) -> arrived.countDown()); // never answers
        Endpoint endpoint = local(first);
        List<CompletableFuture<Object>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(invoke(endpoint, "w" + i, 60_000));
        }
        assertThat(arrived.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        long t0 = System.nanoTime();
        first.shutdown(); // the transport goes away under the stream
        for (CompletableFuture<Object> call : waiting) {
            assertThat(failure(call)).isInstanceOf(ConnectionFailureException.class); // long before 60 s
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(WAIT);

        serve(endpoint.getPort(), PeerStreamTest::echo); // back on the same port
        String reply = Await.value("a call on a new stream", WAIT, () -> {
            try {
                return answer(invoke(endpoint, "again", 2000));
            } catch (Exception e) {
                return null; // still reconnecting
            }
        });
        assertThat(reply).isEqualTo("again");
    }

    @Test
    void closingTheConnectionOnTheServerFailsEveryWaitingCallAndFiresCloseOnce() throws Exception {
        CountDownLatch arrived = new CountDownLatch(3);
        List<Connection> closed = Collections.synchronizedList(new ArrayList<>());
        GrpcRpcServer server = serve(0, (ctx, req) -> {
            switch (req.getGroupId()) {
                case "close" -> ctx.getConnection().close();
                case "hold" -> arrived.countDown();
                default -> echo(ctx, req);
            }
        });
        server.registerConnectionClosedEventListener((addr, conn) -> closed.add(conn));
        assertThat(answer(invoke(local(server), "hello", 5000))).isEqualTo("hello");
        List<CompletableFuture<Object>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(invoke(local(server), "hold", 60_000));
        }
        assertThat(arrived.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        waiting.add(invoke(local(server), "close", 60_000));
        for (CompletableFuture<Object> call : waiting) {
            assertThat(failure(call)).isInstanceOf(ConnectionFailureException.class)
                .hasMessageContaining("closed by the peer");
        }
        Await.until("close event", WAIT, () -> closed.size() == 1);

        assertThat(answer(invoke(local(server), "reconnected", 5000))).isEqualTo("reconnected");
        assertThat(connections).hasSize(2).contains(closed.get(0));
        assertThat(client.checkConnection(local(server))).isTrue(); // same TCP connection, new stream
        assertThat(closed).hasSize(1);
    }

    @Test
    void closingTheConnectionOnTheClientFailsWaitingCalls() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        GrpcRpcServer server = serve(0, (ctx, req) -> {
            if (req.getGroupId().equals("hold")) {
                arrived.countDown();
            } else {
                echo(ctx, req);
            }
        });
        CompletableFuture<Object> waiting = invoke(local(server), "hold", 60_000);
        assertThat(arrived.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        client.closeConnection(local(server));
        assertThat(failure(waiting)).isInstanceOf(ConnectionFailureException.class);
        assertThat(answer(invoke(local(server), "next", 5000))).isEqualTo("next");
    }
}
