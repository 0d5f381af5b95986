package io.etch.raft.transport;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.util.Endpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** N jraft members in this JVM on loopback over the gRPC transport, each on an ephemeral port. */
final class TestCluster {

    static {
        System.setProperty("com.google.protobuf.use_unsafe_pre22_gencode", "true"); // jraft's old gencode
    }

    static final String GROUP = "etch-transport-test";
    static final int ELECTION_TIMEOUT_MS = 1000;

    final class Member {
        final int index;
        final Path dir;
        Endpoint endpoint;
        GrpcRpcServer server;
        RaftGroupService service;
        Node node;
        LogStateMachine fsm;

        Member(int index, Path dir) {
            this.index = index;
            this.dir = dir;
        }

        boolean running() {
            return node != null;
        }

        PeerId peerId() {
            return new PeerId(endpoint, 0);
        }
    }

    private final Path baseDir;
    private final List<Member> members = new ArrayList<>();
    private Configuration conf;

    TestCluster(Path baseDir, int size) {
        this.baseDir = baseDir;
        for (int i = 0; i < size; i++) {
            members.add(new Member(i, baseDir.resolve("m" + i)));
        }
    }

    List<Member> members() {
        return members;
    }

    Member member(int i) {
        return members.get(i);
    }

    /** Binds every member's server on port 0, then starts all nodes with the bound ports as the configuration. */
    void start() throws IOException {
        for (Member m : members) {
            m.server = newServer(new Endpoint("127.0.0.1", 0));
            if (m.server == null) {
                throw new IllegalStateException("cannot bind an ephemeral port");
            }
            m.endpoint = new Endpoint("127.0.0.1", m.server.boundPort());
        }
        conf = new Configuration();
        for (Member m : members) {
            conf.addPeer(m.peerId());
        }
        for (Member m : members) {
            startNode(m);
        }
    }

    /** Restarts a stopped member on its old port (retrying while the port is still held), optionally wiped. */
    void restart(Member m, boolean wipe) throws IOException {
        if (wipe) {
            deleteTree(m.dir);
        }
        m.server = Await.value("rebinding " + m.endpoint, Duration.ofSeconds(10), () -> newServer(m.endpoint));
        startNode(m);
    }

    /** Stops a member's node and its server. */
    void stop(Member m) throws InterruptedException {
        if (m.service != null) {
            m.service.shutdown();
            m.node.join();
        }
        if (m.server != null) {
            m.server.shutdown();
        }
        m.service = null;
        m.node = null;
        m.server = null;
    }

    Member awaitLeader(Duration timeout) {
        return Await.value("a leader", timeout, () -> members.stream()
            .filter(m -> m.running() && m.node.isLeader())
            .findFirst().orElse(null));
    }

    private static GrpcRpcServer newServer(Endpoint endpoint) {
        GrpcRpcServer server = new GrpcRpcServer(endpoint);
        RaftRpcServerFactory.addRaftRequestProcessors(server);
        if (!server.init(null)) {
            server.shutdown();
            return null;
        }
        return server;
    }

    private void startNode(Member m) throws IOException {
        Files.createDirectories(m.dir.resolve("log"));
        Files.createDirectories(m.dir.resolve("meta"));
        Files.createDirectories(m.dir.resolve("snapshot"));
        m.fsm = new LogStateMachine();
        NodeOptions opts = new NodeOptions();
        opts.setElectionTimeoutMs(ELECTION_TIMEOUT_MS);
        opts.setInitialConf(conf.copy());
        opts.setFsm(m.fsm);
        opts.setLogUri(m.dir.resolve("log").toString());
        opts.setRaftMetaUri(m.dir.resolve("meta").toString());
        opts.setSnapshotUri(m.dir.resolve("snapshot").toString());
        opts.setSnapshotIntervalSecs(3600); // snapshots only when a test asks
        m.service = new RaftGroupService(GROUP, m.peerId(), opts, m.server, true);
        m.node = m.service.start(false);
        if (m.node == null) {
            throw new IllegalStateException("node " + m.index + " did not start");
        }
    }

    /** Stops every member. */
    void close() throws InterruptedException {
        for (Member m : members) {
            stop(m);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
