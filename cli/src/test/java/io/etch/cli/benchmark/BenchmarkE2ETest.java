package io.etch.cli.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged {@code etchctl benchmark} ({@code target/etchctl/bin/etchctl}) briefly against a real
 * 3-member Etch cluster, and reads {@code /metrics} from a member. Proves the commands work end to end;
 * asserts nothing about speed.
 */
class BenchmarkE2ETest {
    private static final Pattern REQUESTS = Pattern.compile("\"requests\":(\\d+),\"errors\":(\\d+)");

    @TempDir
    static Path tmp;

    private static LocalEtchCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalEtchCluster.start(tmp);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void putOverSeveralClientsAndConnections() throws Exception {
        Run r = etchctl("benchmark", "--endpoints", cluster.endpoints(), "--clients", "20", "--conns", "4",
                "-w", "json", "put", "--total", "300", "--val-size", "256", "--key-space-size", "100");
        assertThat(r.exit).as(r.toString()).isZero();
        assertCounts(r.jsonLine("put"), 300);
    }

    @Test
    void warmUpRequestsAreNotCountedAndWriteNothing() throws Exception {
        long before = revision();
        Run r = etchctl("benchmark", "--endpoints", cluster.endpoints(), "--clients", "2", "--conns", "2",
                "--warm-up", "500", "-w", "json", "put", "--total", "10", "--key-space-size", "5");
        assertThat(r.exit).as(r.toString()).isZero();
        assertCounts(r.jsonLine("put"), 10);
        assertThat(revision()).isEqualTo(before + 10);
    }

    /** The cluster's current revision, from a serializable Range's header. */
    private static long revision() {
        io.grpc.ManagedChannel ch = Connections.channel(cluster.endpoints().split(",")[0], null);
        try {
            return io.etch.api.etcdserverpb.KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .range(io.etch.api.etcdserverpb.RangeRequest.newBuilder()
                            .setKey(com.google.protobuf.ByteString.copyFromUtf8("foo")).build())
                    .getHeader().getRevision();
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void linearizableAndSerializableRange() throws Exception {
        for (String consistency : List.of("l", "s")) {
            Run r = etchctl("benchmark", "--endpoints", cluster.endpoints(), "--clients", "10", "--conns", "3",
                    "range", "foo", "--consistency", consistency, "--total", "200", "-w", "json");
            assertThat(r.exit).as(r.toString()).isZero();
            assertCounts(r.jsonLine("range-" + consistency), 200);
        }
    }

    @Test
    void txnPutAgainstTheLeaderWithTheTextReport() throws Exception {
        Run r = etchctl("benchmark", "--endpoints", cluster.endpoints(), "--target-leader", "--clients", "5",
                "txn-put", "--total", "100", "--txn-ops", "2", "--key-space-size", "10");
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.stdout).contains("\nSummary:\n", "Requests/sec:", "Response time histogram:",
                "Latency distribution:", "99.9% in ").doesNotContain("Error distribution");
    }

    @Test
    void watchLatencyCountsEveryWatcherOfEveryPut() throws Exception {
        // 5 watchers over 3 connections: streams of 2, 2 and 1 watchers, and the puts on a fourth connection
        Run r = etchctl("benchmark", "--endpoints", cluster.endpoints(), "--clients", "5", "--conns", "3",
                "-w", "json", "watch-latency", "--total", "20", "--put-rate", "200");
        assertThat(r.exit).as(r.toString()).isZero();
        assertCounts(r.jsonLine("watch-latency"), 100);
    }

    @Test
    void leaseKeepaliveOneStreamPerRequest() throws Exception {
        Run r = etchctl("benchmark", "--endpoints", cluster.endpoints(), "--clients", "4", "--conns", "2",
                "-w", "json", "lease-keepalive", "--total", "60");
        assertThat(r.exit).as(r.toString()).isZero();
        assertCounts(r.jsonLine("lease-keepalive"), 60);
    }

    @Test
    void metricsEndpointServesResidentMemory() {
        LocalEtchCluster.HttpResult m = LocalEtchCluster.get(cluster.clientUrl(1) + "/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        // etcdctl check datascale takes the first line starting with the name and parses the rest as a float
        String rss = m.body().lines().filter(l -> l.startsWith("process_resident_memory_bytes")).findFirst()
                .orElseThrow();
        assertThat(Double.parseDouble(rss.substring("process_resident_memory_bytes".length()).trim()))
                .isGreaterThan(1 << 20);
        assertThat(m.body()).contains("\netcd_server_has_leader 1", "\netcd_server_leader_changes_seen_total ",
                "# TYPE process_cpu_seconds_total counter", "\netcd_debugging_mvcc_current_revision ",
                "\netcd_mvcc_db_total_size_in_bytes ", "\nprocess_open_fds ", "\nprocess_max_fds ",
                "\nprocess_start_time_seconds ", "\netcd_server_is_leader ");
    }

    private static void assertCounts(String json, long expected) {
        Matcher m = REQUESTS.matcher(json);
        assertThat(m.find()).as(json).isTrue();
        assertThat(Long.parseLong(m.group(1)) + Long.parseLong(m.group(2))).as(json).isEqualTo(expected);
        assertThat(Long.parseLong(m.group(2))).as(json).isZero();
    }

    private record Run(int exit, String stdout, String stderr) {
        String jsonLine(String name) {
            return stdout.lines().filter(l -> l.startsWith("{\"name\":\"" + name + "\"")).findFirst()
                    .orElseThrow(() -> new AssertionError("no JSON report " + name + " in " + this));
        }
    }

    private Run etchctl(String... args) throws IOException, InterruptedException {
        Path bin = Path.of(System.getProperty("etchctl.dist", "target/etchctl"), "bin", "etchctl").toAbsolutePath();
        assertThat(Files.isExecutable(bin)).as("packaged etchctl at " + bin).isTrue();
        List<String> cmd = new ArrayList<>(List.of(bin.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError("etchctl did not finish in 120 s: " + cmd);
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
