package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.RaftRpcFactory;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.RpcResponseFactory;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.SPI;
import com.google.protobuf.Message;
import java.util.Objects;

/**
 * jraft's transport SPI on grpc-java + Netty. Registered in
 * {@code META-INF/services/com.alipay.sofa.jraft.rpc.RaftRpcFactory} with a priority above Bolt's, so
 * {@code RpcFactoryHelper} picks it; nothing to call for plaintext.
 *
 * <p>{@code RpcFactoryHelper} keeps one factory per JVM and jraft creates its RPC clients through it, so the
 * client side's TLS is JVM-wide: call {@link #setClientTls} before the first Node starts. Servers take their TLS
 * in {@link GrpcRpcServer}'s constructor.
 */
@SPI(priority = 100)
public final class GrpcRaftRpcFactory implements RaftRpcFactory {

    private static final RpcResponseFactory RESPONSES = new ErrorInResponseFactory();
    private static volatile PeerTls clientTls;

    /**
     * TLS for RPC clients created from now on (jraft creates them when a Node or CliService starts).
     *
     * @param tls {@code null} for plaintext
     */
    public static void setClientTls(PeerTls tls) {
        clientTls = tls;
    }

    /**
     * Declares the response type of a request type that jraft's own table lacks (needed only for custom
     * {@link com.alipay.sofa.jraft.rpc.RpcProcessor}s; Etch's own peer services use {@link GrpcRpcServer#addService}).
     *
     * @param requestClassName Java binary name of the request message class
     * @param responsePrototype default instance of the response message
     */
    public static void registerResponseType(String requestClassName, Message responsePrototype) {
        MessageTypes.registerResponse(Objects.requireNonNull(requestClassName, "requestClassName"),
            Objects.requireNonNull(responsePrototype, "responsePrototype"));
    }

    /** Called by jraft for each of its message classes; {@code args[0]} is the default instance. */
    @Override
    public void registerProtobufSerializer(String className, Object... args) {
        if (args != null && args.length > 0 && args[0] instanceof Message prototype) {
            MessageTypes.registerPrototype(className, prototype);
        }
    }

    @Override
    public RpcClient createRpcClient(ConfigHelper<RpcClient> helper) {
        RpcClient client = new GrpcRpcClient(clientTls);
        if (helper != null) {
            helper.config(client);
        }
        return client;
    }

    /** A plaintext {@link GrpcRpcServer}; construct one directly for TLS or extra services. */
    @Override
    public RpcServer createRpcServer(Endpoint endpoint, ConfigHelper<RpcServer> helper) {
        RpcServer server = new GrpcRpcServer(endpoint, null);
        if (helper != null) {
            helper.config(server);
        }
        return server;
    }

    @Override
    public RpcResponseFactory getRpcResponseFactory() {
        return RESPONSES;
    }

    /** Pipelined replication works: AppendEntries keep their order per connection (see {@link GrpcRpcServer}). */
    @Override
    public boolean isReplicatorPipelineEnabled() {
        return true;
    }
}
