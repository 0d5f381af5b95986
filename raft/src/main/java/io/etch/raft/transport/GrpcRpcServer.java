package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.ConnectionClosedEventListener;
import com.alipay.sofa.jraft.util.Endpoint;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer port: jraft's {@link RpcServer} on grpc-netty, plus any gRPC services Etch hosts beside raft (write
 * forwarding, member info).
 *
 * <p>Usage, before starting the Node:
 * <pre>{@code
 * GrpcRpcServer server = new GrpcRpcServer(new Endpoint("0.0.0.0", 2380), null); // null = plaintext
 * server.addService(forwardService);                       // any time, also after init
 * RaftRpcServerFactory.addRaftRequestProcessors(server);   // jraft's processors
 * server.init(null);                                       // binds; false if it cannot
 * NodeManager.getInstance().addAddress(serverId.getEndpoint()); // or use RaftGroupService(..., server, true)
 * }</pre>
 *
 * <p>jraft's requests and responses travel on {@code PeerRpc.Exchange} streams, one per client and peer endpoint
 * (see {@link GrpcRpcClient}); each stream is one jraft {@link com.alipay.sofa.jraft.rpc.Connection} with
 * attributes and a close event ({@link PeerConnection}). Request frames are read on the transport thread and handed
 * to their processor's executor in arrival order (see {@link ProcessorTable}); processors without an executor share
 * this server's pool, and AppendEntries run on the transport thread. Services added with {@link #addService} run on
 * a separate cached pool, except the methods named to {@link #addService(BindableService, Set)}, which run on the
 * transport thread. Thread-safe.
 */
public final class GrpcRpcServer implements RpcServer {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcRpcServer.class);
    private static final String EXCHANGE = ExchangeFrame.EXCHANGE.getFullMethodName();

    private final Endpoint endpoint;
    private final PeerTls tls;
    private final MethodRegistry registry = new MethodRegistry();
    private final ProcessorTable processors;
    private final List<ConnectionClosedEventListener> closedListeners = new CopyOnWriteArrayList<>();
    private final Set<String> transportThreadMethods = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor processorExecutor;
    private final ExecutorService serviceExecutor;
    private volatile Server server;
    private volatile boolean shutDown;

    /**
     * @param endpoint address to bind; IP {@code 0.0.0.0} binds all interfaces, port 0 an ephemeral port
     *     ({@link #boundPort()} tells which after {@link #init})
     * @param tls peer TLS, {@code null} for plaintext
     */
    public GrpcRpcServer(Endpoint endpoint, PeerTls tls) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.tls = tls;
        int threads = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
        this.processorExecutor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(10_000), daemonThreads("etch-peer-rpc-" + endpoint.getPort() + "-"));
        this.processorExecutor.allowCoreThreadTimeOut(true);
        this.serviceExecutor = Executors.newCachedThreadPool(
            daemonThreads("etch-peer-svc-" + endpoint.getPort() + "-"));
        this.processors = new ProcessorTable(processorExecutor);
        this.registry.addService(new ExchangeHandler(processors, this::fireClosed).service());
    }

    /** A plaintext server on {@code endpoint}. */
    public GrpcRpcServer(Endpoint endpoint) {
        this(endpoint, null);
    }

    /** A plaintext server on {@code host:port} ({@code 0.0.0.0} = all interfaces, port 0 = ephemeral). */
    public GrpcRpcServer(String host, int port) {
        this(new Endpoint(host, port), null);
    }

    /**
     * Hosts an additional gRPC service on the peer port. Usable before and after {@link #init}; its calls run on
     * a cached thread pool of this server.
     *
     * @return this
     */
    public GrpcRpcServer addService(BindableService service) {
        return addService(service.bindService());
    }

    /** As {@link #addService(BindableService)}, for an already bound definition. */
    public GrpcRpcServer addService(ServerServiceDefinition service) {
        registry.addService(service);
        return this;
    }

    /**
     * As {@link #addService(BindableService)}, except that the calls of the methods named in
     * {@code onTransportThread} run on the transport thread, like jraft's appends: a hand-off saved per message.
     * Only for methods whose handlers never block (they may take short locks and hand work to queues).
     *
     * @param onTransportThread full method names ({@code package.Service/Method}) of {@code service}
     * @return this
     * @throws IllegalArgumentException if a name is not a method of {@code service}
     */
    public GrpcRpcServer addService(BindableService service, Set<String> onTransportThread) {
        ServerServiceDefinition definition = service.bindService();
        for (String method : onTransportThread) {
            if (definition.getMethod(method) == null) {
                throw new IllegalArgumentException(
                    method + " is not a method of " + definition.getServiceDescriptor().getName());
            }
        }
        transportThreadMethods.addAll(onTransportThread);
        return addService(definition);
    }

    /**
     * Serves a jraft processor for requests of its {@code interest()} type. Usable before and after
     * {@link #init}; a second processor for the same request type replaces the first.
     *
     * @throws IllegalArgumentException if the request type's response type is unknown (see
     *     {@link GrpcRaftRpcFactory#registerResponseType})
     */
    @Override
    public void registerProcessor(RpcProcessor<?> processor) {
        processors.register(processor);
    }

    @Override
    public void registerConnectionClosedEventListener(ConnectionClosedEventListener listener) {
        closedListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Binds and starts serving. Idempotent.
     *
     * @return false if the port cannot be bound (logged) or the server was shut down
     */
    @Override
    public synchronized boolean init(Void opts) {
        if (server != null) {
            return true;
        }
        if (shutDown) {
            return false;
        }
        InetSocketAddress bind = "0.0.0.0".equals(endpoint.getIp())
            ? new InetSocketAddress(endpoint.getPort())
            : new InetSocketAddress(endpoint.getIp(), endpoint.getPort());
        Server s = PeerNetty.serverBuilder(bind, tls)
            .directExecutor() // keeps arrival order on jraft's streams; other services switch below
            .callExecutor(new ServerCallExecutorSupplier() {
                @Override
                public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata metadata) {
                    String method = call.getMethodDescriptor().getFullMethodName();
                    return method.equals(EXCHANGE) || transportThreadMethods.contains(method) ? null : serviceExecutor;
                }
            })
            .fallbackHandlerRegistry(registry)
            .build();
        try {
            s.start();
        } catch (IOException e) {
            LOG.error("cannot bind peer port {}: {}", bind, e.toString());
            return false;
        }
        server = s;
        LOG.info("peer server listening on {}", s.getListenSockets());
        return true;
    }

    /** Stops accepting, fails in-flight calls, waits up to 5 s for termination. Idempotent. */
    @Override
    public synchronized void shutdown() {
        shutDown = true;
        Server s = server;
        server = null;
        if (s != null) {
            s.shutdownNow();
            try {
                s.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processorExecutor.shutdown();
        serviceExecutor.shutdown();
    }

    /** The bound port once {@link #init} succeeded, else the endpoint's port. */
    @Override
    public int boundPort() {
        Server s = server;
        return s != null ? s.getPort() : endpoint.getPort();
    }

    @Override
    public boolean isStarted() {
        Server s = server;
        return s != null && !s.isShutdown();
    }

    /** Runs the close listeners on the pool, as Bolt does, never under the caller's (jraft's) locks. */
    private void fireClosed(PeerConnection conn) {
        Runnable fire = () -> {
            for (ConnectionClosedEventListener listener : closedListeners) {
                try {
                    listener.onClosed(conn.remoteAddress(), conn);
                } catch (RuntimeException e) {
                    LOG.error("connection close listener failed", e);
                }
            }
        };
        try {
            processorExecutor.execute(fire);
        } catch (RejectedExecutionException e) { // shut down
            fire.run();
        }
    }

    static String address(SocketAddress addr) {
        if (addr instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(addr);
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
