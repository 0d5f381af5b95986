package io.etch.server;

import io.etch.raft.RaftConfig;
import io.etch.raft.RaftMember;
import io.etch.raft.StoreHolder;
import io.etch.server.api.MemberContext;
import io.etch.server.config.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Etch member: the store ({@code <data-dir>/member/kv}), the raft member
 * ({@code <data-dir>/member/raft}, peer port) and the client port. Start order: store, raft, client
 * port; {@link #close()} stops them in reverse.
 */
public final class EtchServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtchServer.class);

    private final ServerConfig config;
    private StoreHolder stores;
    private RaftMember raft;
    private ClientServer client;

    public EtchServer(ServerConfig config) {
        this.config = config;
    }

    /**
     * Opens the data dir and starts serving.
     *
     * @throws IOException when the data dir cannot be created or opened
     */
    public void start() throws IOException {
        Path memberDir = config.dataDir().resolve("member");
        Files.createDirectories(memberDir);
        stores = new StoreHolder(memberDir.resolve("kv"));
        URI peer = config.listenPeerUrls().get(0);
        String peerHost = "localhost".equals(peer.getHost()) ? "127.0.0.1" : peer.getHost();
        RaftConfig raftConfig = new RaftConfig(memberDir.resolve("raft"), config.self(), config.members(),
                config.clusterId(), config.electionTimeoutMs(), config.heartbeatIntervalMs(), config.snapshotCount(),
                config.requestTimeoutMs(), peerHost, peer.getPort());
        raft = new RaftMember(raftConfig, stores);
        // Services are built before raft starts so that they can register their RaftListeners.
        client = new ClientServer(new MemberContext(config, stores, raft));
        raft.start(config.advertiseClientUrls());
        client.start();
        LOG.info("etch member {} serving clients on {}", config.name(), config.listenClientUrls());
    }

    /** Stops the client port, then raft, then closes the store. Idempotent. */
    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (raft != null) {
            raft.close();
            raft = null;
        }
        if (stores != null) {
            stores.close();
            stores = null;
        }
    }
}
