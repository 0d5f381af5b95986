package io.etch.server.http;

import io.etch.raft.MemberIds;
import io.etch.raft.RaftMember;
import io.etch.raft.StoreHolder;
import io.etch.server.api.MaintenanceService;
import io.micrometer.core.instrument.FunctionCounter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.ToDoubleFunction;

/**
 * {@code GET /metrics} on the client port: Prometheus text format 0.0.4 from a Micrometer
 * {@link PrometheusMeterRegistry} (reference §6.5, §7). Series carry etcd 3.4's names and types
 * ({@code etcd-3.4-metrics.txt}); the ones registered here are those the process, the raft member and
 * the store can answer without instrumentation in their hot paths:
 *
 * <ul>
 *   <li>process: {@code process_resident_memory_bytes} (VmRSS of {@code /proc/self/status}, which
 *       {@code etcdctl check datascale} parses), {@code process_virtual_memory_bytes},
 *       {@code process_cpu_seconds_total}, {@code process_open_fds}, {@code process_max_fds},
 *       {@code process_start_time_seconds}, {@code os_fd_used}, {@code os_fd_limit};</li>
 *   <li>raft: {@code etcd_server_has_leader}, {@code etcd_server_is_leader},
 *       {@code etcd_server_is_learner}, {@code etcd_server_leader_changes_seen_total},
 *       {@code etcd_server_id}, {@code etcd_server_version}, {@code etcd_cluster_version};</li>
 *   <li>store: {@code etcd_debugging_mvcc_current_revision}, {@code etcd_debugging_mvcc_compact_revision},
 *       {@code etcd_mvcc_db_total_size_in_bytes}, {@code etcd_debugging_mvcc_db_total_size_in_bytes},
 *       {@code etcd_mvcc_db_total_size_in_use_in_bytes}.</li>
 * </ul>
 *
 * <p>Every value is read when scraped. Thread-safe.
 */
public final class MetricsEndpoint {
    /** etcd's exposition content type (Prometheus text format 0.0.4). */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Path PROC_STATUS = Path.of("/proc/self/status");
    private static final Path PROC_FD = Path.of("/proc/self/fd");

    private MetricsEndpoint() {
    }

    /**
     * Adds {@code /metrics} to {@code routes}, backed by a new registry holding the series listed above.
     *
     * @return the registry, so that other components can add their own meters to the same scrape
     */
    public static PrometheusMeterRegistry register(HttpRoutes routes, RaftMember raft, StoreHolder stores) {
        PrometheusMeterRegistry registry = newRegistry(raft, stores);
        routes.add("/metrics", ex -> {
            if (!"GET".equals(ex.method()) && !"HEAD".equals(ex.method())) {
                ex.methodNotAllowed("GET, HEAD");
                return;
            }
            // Store accessors take the store's read lock; keep them off the event loop.
            ex.blockingExecutor().execute(() -> ex.reply(HttpResponseStatus.OK, CONTENT_TYPE,
                    registry.scrape(CONTENT_TYPE)));
        });
        return registry;
    }

    /** The registry with every series bound to {@code raft} and {@code stores}; visible for tests. */
    static PrometheusMeterRegistry newRegistry(RaftMember raft, StoreHolder stores) {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        bindProcess(r);

        gauge(r, "etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
                raft, m -> m.leaderId() != 0 ? 1 : 0);
        gauge(r, "etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
                raft, m -> m.isLeader() ? 1 : 0);
        gauge(r, "etcd_server_is_learner", "Whether or not this member is a learner. 1 if is, 0 otherwise.",
                raft, m -> 0);
        FunctionCounter.builder("etcd_server_leader_changes_seen", raft, m -> m.leaderChanges())
                .description("The number of leader changes seen.").register(r);
        // etcd_server_proposals_{committed,applied}_total are gauges in etcd; the Prometheus client
        // strips "_total" from gauge names, so they wait for a registry that can spell them.
        Gauge.builder("etcd_server_id", () -> 1).description("Server or member ID in hexadecimal format. "
                + "1 for 'server_id' label with current ID.")
                .tag("server_id", MemberIds.hex(raft.memberId())).register(r);
        Gauge.builder("etcd_server_version", () -> 1).description("Which version is running. "
                + "1 for 'server_version' label with current version.")
                .tag("server_version", MaintenanceService.ETCD_VERSION).register(r);
        Gauge.builder("etcd_cluster_version", () -> 1).description("Which version is running. "
                + "1 for 'cluster_version' label with current cluster version")
                .tag("cluster_version", "3.4").register(r);

        gauge(r, "etcd_debugging_mvcc_current_revision", "The current revision of store.",
                stores, s -> s.read(st -> st.currentRevision()));
        gauge(r, "etcd_debugging_mvcc_compact_revision", "The revision of the last compaction in store.",
                stores, s -> s.read(st -> st.compactRevision()));
        gauge(r, "etcd_mvcc_db_total_size_in_bytes",
                "Total size of the underlying database physically allocated in bytes.",
                stores, s -> s.read(st -> st.dbSizeBytes()));
        gauge(r, "etcd_debugging_mvcc_db_total_size_in_bytes",
                "Total size of the underlying database physically allocated in bytes.",
                stores, s -> s.read(st -> st.dbSizeBytes()));
        gauge(r, "etcd_mvcc_db_total_size_in_use_in_bytes",
                "Total size of the underlying database logically in use in bytes.",
                stores, s -> s.read(st -> st.dbSizeInUseBytes()));
        return r;
    }

    private static void bindProcess(PrometheusMeterRegistry r) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        gauge(r, "process_resident_memory_bytes", "Resident memory size in bytes.",
                PROC_STATUS, p -> procStatusBytes("VmRSS:"));
        gauge(r, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
                PROC_STATUS, p -> procStatusBytes("VmSize:"));
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            FunctionCounter.builder("process_cpu_seconds", unix, u -> u.getProcessCpuTime() / 1e9)
                    .description("Total user and system CPU time spent in seconds.").register(r);
            gauge(r, "process_open_fds", "Number of open file descriptors.",
                    unix, u -> u.getOpenFileDescriptorCount());
            gauge(r, "process_max_fds", "Maximum number of open file descriptors.",
                    unix, u -> u.getMaxFileDescriptorCount());
            gauge(r, "os_fd_limit", "The file descriptor limit.", unix, u -> u.getMaxFileDescriptorCount());
        } else {
            gauge(r, "process_open_fds", "Number of open file descriptors.", PROC_FD, MetricsEndpoint::countFds);
        }
        gauge(r, "os_fd_used", "The number of used file descriptors.", PROC_FD, MetricsEndpoint::countFds);
        double startSeconds = ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0;
        Gauge.builder("process_start_time_seconds", () -> startSeconds)
                .description("Start time of the process since unix epoch in seconds.").register(r);
    }

    private static <T> void gauge(PrometheusMeterRegistry r, String name, String help, T obj, ToDoubleFunction<T> f) {
        Gauge.builder(name, obj, f).description(help).strongReference(true).register(r);
    }

    /**
     * A {@code kB} line of {@code /proc/self/status} ({@code VmRSS:    123456 kB}) in bytes; NaN when
     * absent (not Linux).
     */
    static double procStatusBytes(String field) {
        try {
            for (String line : Files.readAllLines(PROC_STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith(field)) {
                    return parseKbLine(line.substring(field.length()));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /** {@code "   123456 kB"} → 126418944.0. */
    static double parseKbLine(String rest) {
        String s = rest.trim();
        int space = s.indexOf(' ');
        long kb = Long.parseLong(space < 0 ? s : s.substring(0, space));
        return kb * 1024.0;
    }

    private static double countFds(Path fdDir) {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(fdDir)) {
            for (Path ignored : ds) {
                n++;
            }
        } catch (IOException e) {
            return Double.NaN;
        }
        return n;
    }
}
