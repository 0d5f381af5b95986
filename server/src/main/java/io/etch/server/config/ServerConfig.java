package io.etch.server.config;

import io.etch.raft.ClusterMember;
import io.etch.raft.MemberIds;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A member's validated configuration, derived from {@link Flags} the way etcd's {@code embed.Config}
 * validates its own (etcd {@code embed/config.go}, {@code etcdmain/config.go}).
 *
 * @param name {@code --name}
 * @param dataDir {@code --data-dir} ({@code <name>.etcd} by default)
 * @param listenClientUrls URLs the client port binds
 * @param advertiseClientUrls client URLs published to the cluster
 * @param listenPeerUrls URLs the peer port binds (the first one is used)
 * @param self this member as the initial cluster names it
 * @param members the bootstrap members, in flag order
 * @param clusterId etcd cluster ID of the bootstrap members
 * @param heartbeatIntervalMs raft heartbeat interval
 * @param electionTimeoutMs raft election timeout
 * @param maxRequestBytes largest request accepted (etcd {@code --max-request-bytes})
 * @param maxTxnOps most operations in one txn branch
 * @param snapshotCount applied entries between raft snapshots
 * @param watchProgressNotifyIntervalMs period of watch progress notifications
 *     ({@code --experimental-watch-progress-notify-interval}, Go duration, default 10m)
 */
public record ServerConfig(
        String name,
        Path dataDir,
        List<URI> listenClientUrls,
        List<String> advertiseClientUrls,
        List<URI> listenPeerUrls,
        ClusterMember self,
        List<ClusterMember> members,
        long clusterId,
        int heartbeatIntervalMs,
        int electionTimeoutMs,
        int maxRequestBytes,
        int maxTxnOps,
        long snapshotCount,
        long watchProgressNotifyIntervalMs) {

    /**
     * Validates flags into a configuration.
     *
     * @throws IllegalArgumentException with an etcd-like message when the flags are inconsistent
     */
    public static ServerConfig from(Flags f) {
        String dataDir = f.dataDir == null || f.dataDir.isBlank() ? f.name + ".etcd" : f.dataDir;
        List<String> advertisePeer = urls(f.initialAdvertisePeerUrls, "--initial-advertise-peer-urls");
        String initialCluster = f.initialCluster == null || f.initialCluster.isBlank()
                ? f.name + "=" + String.join("," + f.name + "=", advertisePeer)
                : f.initialCluster;
        if (!"new".equals(f.initialClusterState) && !"existing".equals(f.initialClusterState)) {
            throw new IllegalArgumentException("unexpected value \"" + f.initialClusterState
                    + "\" for --initial-cluster-state: want 'new' or 'existing'");
        }
        if ("existing".equals(f.initialClusterState) && !hasRaftData(Path.of(dataDir))) {
            // Joining a running cluster needs MemberAdd, which is not implemented yet. A member that
            // already has data restarts from it whatever the flag says, as etcd does.
            throw new IllegalArgumentException("--initial-cluster-state existing needs a data dir of a member that "
                    + "has run before (joining a cluster with member add is not supported yet): " + dataDir);
        }
        Map<String, List<String>> byName = parseInitialCluster(initialCluster);
        List<ClusterMember> members = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : byName.entrySet()) {
            members.add(new ClusterMember(MemberIds.memberId(e.getValue(), f.initialClusterToken), e.getKey(), e.getValue()));
        }
        ClusterMember self = members.stream().filter(m -> m.name().equals(f.name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("couldn't find local name \"" + f.name
                        + "\" in the initial cluster configuration"));
        if (!new java.util.TreeSet<>(self.peerUrls()).equals(new java.util.TreeSet<>(advertisePeer))) {
            throw new IllegalArgumentException("--initial-cluster has " + f.name + "=" + String.join(",", self.peerUrls())
                    + " but missing from --initial-advertise-peer-urls=" + String.join(",", advertisePeer));
        }
        List<Long> ids = members.stream().map(ClusterMember::id).toList();
        if (f.electionTimeoutMs < 5 * f.heartbeatIntervalMs) {
            throw new IllegalArgumentException("--election-timeout[" + f.electionTimeoutMs
                    + "ms] should be at least as 5 times as --heartbeat-interval[" + f.heartbeatIntervalMs + "ms]");
        }
        return new ServerConfig(
                f.name,
                Path.of(dataDir),
                urls(f.listenClientUrls, "--listen-client-urls").stream().map(URI::create).toList(),
                urls(f.advertiseClientUrls, "--advertise-client-urls"),
                urls(f.listenPeerUrls, "--listen-peer-urls").stream().map(URI::create).toList(),
                self,
                members,
                MemberIds.clusterId(ids),
                f.heartbeatIntervalMs,
                f.electionTimeoutMs,
                f.maxRequestBytes,
                f.maxTxnOps,
                f.snapshotCount,
                f.watchProgressNotifyInterval == null ? 600_000 : GoDuration.parseMillis(f.watchProgressNotifyInterval));
    }

    /** Whether {@code dataDir} holds a raft log of an earlier run of this member. */
    static boolean hasRaftData(Path dataDir) {
        java.io.File[] log = dataDir.resolve("member").resolve("raft").resolve("log").toFile().listFiles();
        return log != null && log.length > 0;
    }

    /** etcd's request timeout: 5 s plus two election timeouts ({@code ServerConfig.ReqTimeout}). */
    public long requestTimeoutMs() {
        return 5000L + 2L * electionTimeoutMs;
    }

    static Map<String, List<String>> parseInitialCluster(String spec) {
        Map<String, List<String>> byName = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("invalid --initial-cluster entry \"" + p + "\" (want name=url)");
            }
            String url = p.substring(eq + 1).trim();
            checkUrl(url, "--initial-cluster");
            byName.computeIfAbsent(p.substring(0, eq).trim(), k -> new ArrayList<>()).add(url);
        }
        if (byName.isEmpty()) {
            throw new IllegalArgumentException("--initial-cluster is empty");
        }
        return byName;
    }

    static List<String> urls(String list, String flag) {
        List<String> out = new ArrayList<>();
        for (String u : list.split(",")) {
            String t = u.trim();
            if (!t.isEmpty()) {
                checkUrl(t, flag);
                out.add(t);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(flag + " is empty");
        }
        return out;
    }

    private static void checkUrl(String url, String flag) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid URL \"" + url + "\" in " + flag);
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
            throw new IllegalArgumentException("URL scheme must be http or https: " + url + " (" + flag + ")");
        }
        if (u.getHost() == null || u.getPort() < 0) {
            throw new IllegalArgumentException("URL address does not have the form \"host:port\": " + url);
        }
        if (u.getPath() != null && !u.getPath().isEmpty() && !"/".equals(u.getPath())) {
            throw new IllegalArgumentException("URL must not contain a path: " + url);
        }
    }
}
