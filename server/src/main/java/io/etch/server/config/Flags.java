package io.etch.server.config;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * etcd's member flags, with etcd's names, defaults and {@code ETCD_*} environment variables
 * (etcd {@code etcdmain/config.go}). A flag given on the command line wins over its variable.
 * Both {@code --flag} and Go's single-dash {@code -flag} spellings are accepted.
 */
@Command(name = "etch", mixinStandardHelpOptions = true, version = "etch 0.1.0 (etcd API 3.4)",
        description = "Etch: a distributed, consistent key-value store that speaks etcd's v3 API.",
        sortOptions = false)
public final class Flags {
    @Option(names = {"--name", "-name"}, defaultValue = "${env:ETCD_NAME:-default}",
            description = "Human-readable name for this member.")
    public String name;

    @Option(names = {"--data-dir", "-data-dir"}, defaultValue = "${env:ETCD_DATA_DIR}",
            description = "Path to the data directory (default: ${name}.etcd).")
    public String dataDir;

    @Option(names = {"--listen-client-urls", "-listen-client-urls"},
            defaultValue = "${env:ETCD_LISTEN_CLIENT_URLS:-http://localhost:2379}",
            description = "List of URLs to listen on for client traffic.")
    public String listenClientUrls;

    @Option(names = {"--advertise-client-urls", "-advertise-client-urls"},
            defaultValue = "${env:ETCD_ADVERTISE_CLIENT_URLS:-http://localhost:2379}",
            description = "List of this member's client URLs to advertise to the rest of the cluster.")
    public String advertiseClientUrls;

    @Option(names = {"--listen-peer-urls", "-listen-peer-urls"},
            defaultValue = "${env:ETCD_LISTEN_PEER_URLS:-http://localhost:2380}",
            description = "List of URLs to listen on for peer traffic.")
    public String listenPeerUrls;

    @Option(names = {"--initial-advertise-peer-urls", "-initial-advertise-peer-urls"},
            defaultValue = "${env:ETCD_INITIAL_ADVERTISE_PEER_URLS:-http://localhost:2380}",
            description = "List of this member's peer URLs to advertise to the rest of the cluster.")
    public String initialAdvertisePeerUrls;

    @Option(names = {"--initial-cluster", "-initial-cluster"}, defaultValue = "${env:ETCD_INITIAL_CLUSTER}",
            description = "Initial cluster configuration for bootstrapping (name=peerURL,...).")
    public String initialCluster;

    @Option(names = {"--initial-cluster-state", "-initial-cluster-state"},
            defaultValue = "${env:ETCD_INITIAL_CLUSTER_STATE:-new}",
            description = "Initial cluster state ('new' or 'existing').")
    public String initialClusterState;

    @Option(names = {"--initial-cluster-token", "-initial-cluster-token"},
            defaultValue = "${env:ETCD_INITIAL_CLUSTER_TOKEN:-etcd-cluster}",
            description = "Initial cluster token for the etcd cluster during bootstrap.")
    public String initialClusterToken;

    @Option(names = {"--heartbeat-interval", "-heartbeat-interval"},
            defaultValue = "${env:ETCD_HEARTBEAT_INTERVAL:-100}",
            description = "Time (in milliseconds) of a heartbeat interval.")
    public int heartbeatIntervalMs;

    @Option(names = {"--election-timeout", "-election-timeout"}, defaultValue = "${env:ETCD_ELECTION_TIMEOUT:-1000}",
            description = "Time (in milliseconds) for an election to timeout.")
    public int electionTimeoutMs;

    @Option(names = {"--max-request-bytes", "-max-request-bytes"},
            defaultValue = "${env:ETCD_MAX_REQUEST_BYTES:-1572864}",
            description = "Maximum client request size in bytes the server will accept.")
    public int maxRequestBytes;

    @Option(names = {"--max-txn-ops", "-max-txn-ops"}, defaultValue = "${env:ETCD_MAX_TXN_OPS:-128}",
            description = "Maximum number of operations permitted in a transaction.")
    public int maxTxnOps;

    @Option(names = {"--snapshot-count", "-snapshot-count"}, defaultValue = "${env:ETCD_SNAPSHOT_COUNT:-100000}",
            description = "Number of committed transactions to trigger a snapshot to disk.")
    public long snapshotCount;

    @Option(names = {"--quota-backend-bytes", "-quota-backend-bytes"},
            defaultValue = "${env:ETCD_QUOTA_BACKEND_BYTES:-0}",
            description = "Raise alarms when backend size exceeds the given quota (0 defaults to 2 GiB).")
    public long quotaBackendBytes;

    @Option(names = {"--experimental-watch-progress-notify-interval", "-experimental-watch-progress-notify-interval"},
            defaultValue = "${env:ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL:-10m}",
            description = "Duration of periodic watch progress notifications.")
    public String watchProgressNotifyInterval;

    @Option(names = {"--logger", "-logger"}, defaultValue = "${env:ETCD_LOGGER:-zap}", hidden = true,
            description = "Accepted for compatibility; Etch always logs through slf4j.")
    public String logger;

    @Option(names = {"--log-level", "-log-level"}, defaultValue = "${env:ETCD_LOG_LEVEL:-info}", hidden = true,
            description = "Accepted for compatibility; use ETCH_LOG_LEVEL.")
    public String logLevel;
}
