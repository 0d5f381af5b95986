package io.etch.e2e;

import static io.etch.e2e.Json.base64;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.etcdserverpb.WatchCancelRequest;
import io.etch.api.etcdserverpb.WatchProgressRequest;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code etcdctl watch} and the raw {@code Watch} stream (reference §2.2, §3.6) against a 3-member
 * cluster: prefix, {@code --rev} replay, {@code --prev-kv}, {@code -i} with {@code progress}, JSON
 * output, bad input, the stream-level rules etcdctl cannot reach (duplicate ids, progress request,
 * cancel, filters, compacted start) through a plain grpc-java client, an idle watch on a follower kept
 * open across etcdctl's keepalive pings, and a watch that survives the leader being killed.
 *
 * <p>Every watch starts at an explicit revision (current + 1) so that no write can race the creation.
 * Keys: {@code j/*} (json), {@code r/*} (replay), {@code i/*} (interactive), {@code g/*} (grpc),
 * {@code f/*} (follower), {@code l/*} (leader kill). Compaction runs late (grpc test), the leader kill last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchE2ETest {

    @RegisterExtension
    static final ClusterExtension CLUSTER = new ClusterExtension("watch");

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static Cluster cluster;
    private static Etcdctl ctl;
    private static String header;
    private final List<WatchProcess> processes = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        cluster = CLUSTER.cluster();
        Member n1 = cluster.member("n1");
        ctl = cluster.etcdctl(n1);
        List<Long> ids = cluster.members().stream()
                .map(m -> EtcdIds.memberId(List.of(m.peerUrl()), cluster.token())).toList();
        header = "\"cluster_id\":" + EtcdIds.decimal(EtcdIds.clusterId(ids)) + ",\"member_id\":"
                + EtcdIds.decimal(EtcdIds.memberId(List.of(n1.peerUrl()), cluster.token()));
    }

    @AfterEach
    void stopWatches() {
        processes.forEach(WatchProcess::destroy);
        processes.clear();
    }

    private static long currentRevision(Etcdctl c) {
        String out = c.ok("get", "no-such-key", "-w", "json");
        Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Long.parseLong(m.group(1));
    }

    private WatchProcess watch(List<String> endpoints, String... args) {
        WatchProcess p = new WatchProcess(endpoints, args);
        processes.add(p);
        return p;
    }

    /** A PUT event as etcdctl -w json prints it (type PUT = 0 omitted). */
    private static String kv(String key, long create, long mod, long version, String value) {
        return "{\"kv\":{\"key\":\"" + base64(key) + "\",\"create_revision\":" + create + ",\"mod_revision\":" + mod
                + ",\"version\":" + version + ",\"value\":\"" + base64(value) + "\"}}";
    }

    private String line(long rev, String events) {
        return "{\"Header\":{" + header + ",\"revision\":" + rev + ",\"raft_term\":<TERM>},\"Events\":[" + events
                + "],\"CompactRevision\":0,\"Canceled\":false,\"Created\":false}";
    }

    @Test
    @Order(1)
    void prefixJsonOneResponsePerRevision() {
        long r = currentRevision(ctl);
        WatchProcess w = watch(ctl.endpoints(), "watch", "--prefix", "j/", "--rev", String.valueOf(r + 1), "-w", "json");
        ctl.ok("put", "j/a", "1"); // r+1
        ctl.ok("put", "other", "x"); // r+2, not watched
        ctl.runWithStdin("\nput j/b 2\nput j/c 3\n\n\n", "txn", "-i").assertOk(); // r+3: one response, two events
        ctl.ok("del", "j/a"); // r+4
        List<String> lines = w.awaitLines(3);
        assertThat(lines.stream().map(Outputs::normalizeRaftTerm).toList()).containsExactly(
                line(r + 1, kv("j/a", r + 1, r + 1, 1, "1")),
                line(r + 3, kv("j/b", r + 3, r + 3, 1, "2") + "," + kv("j/c", r + 3, r + 3, 1, "3")),
                line(r + 4, "{\"type\":1,\"kv\":{\"key\":\"" + base64("j/a") + "\",\"mod_revision\":" + (r + 4) + "}}"));
        assertThat(w.isAlive()).isTrue();
    }

    @Test
    @Order(2)
    void revReplayWithPrevKvThenLive() {
        long r = currentRevision(ctl);
        ctl.ok("put", "r/k", "v1"); // r+1
        ctl.ok("put", "r/k", "v2"); // r+2
        ctl.ok("del", "r/k"); // r+3
        ctl.ok("put", "r/k", "v3"); // r+4
        WatchProcess w = watch(ctl.endpoints(), "watch", "r/k", "--rev", String.valueOf(r + 1), "--prev-kv");
        w.awaitStdout("PUT\nr/k\nv1\nPUT\nr/k\nv1\nr/k\nv2\nDELETE\nr/k\nv2\nr/k\n\nPUT\nr/k\nv3\n");
        ctl.ok("put", "r/k", "v4");
        w.awaitStdout("PUT\nr/k\nv1\nPUT\nr/k\nv1\nr/k\nv2\nDELETE\nr/k\nv2\nr/k\n\nPUT\nr/k\nv3\n"
                + "PUT\nr/k\nv3\nr/k\nv4\n");
    }

    @Test
    @Order(3)
    void interactiveWatchAndProgress() {
        long r = currentRevision(ctl);
        WatchProcess w = watch(ctl.endpoints(), "watch", "-i");
        w.send("watch i/k --rev " + (r + 1));
        ctl.ok("put", "i/k", "1");
        w.awaitStdout("PUT\ni/k\n1\n");
        w.send("progress");
        w.awaitStdout("PUT\ni/k\n1\nprogress notify: " + (r + 1) + "\n");
    }

    @Test
    @Order(4)
    void badRangeCancelsTheWatch() {
        Etcdctl.Result res = ctl.run("watch", "b", "a");
        assertThat(res.exitCode()).as(res.describe()).isEqualTo(5);
        assertThat(res.stdout()).isEmpty();
        assertThat(res.stderr()).isEqualTo("watch was canceled (mvcc: watcher range is empty)\n"
                + "Error: watch is canceled by the server\n");
    }

    /** The stream rules etcdctl never exercises, through a plain grpc-java client with hasleader metadata. */
    @Test
    @Order(5)
    void rawStream() throws Exception {
        Member n1 = cluster.member("n1");
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", n1.clientPort()).usePlaintext().build();
        try {
            Metadata md = new Metadata();
            md.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
            WatchGrpc.WatchStub stub = WatchGrpc.newStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
            LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
            StreamObserver<WatchRequest> req = stub.watch(new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse value) {
                    got.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    got.add(t);
                }

                @Override
                public void onCompleted() {
                    got.add("completed");
                }
            });
            long r = currentRevision(ctl);
            req.onNext(create(WatchCreateRequest.newBuilder().setKey(bs("g/a")).setWatchId(7)));
            WatchResponse c7 = next(got);
            assertThat(c7.getWatchId()).isEqualTo(7);
            assertThat(c7.getCreated()).isTrue();
            assertThat(c7.getHeader().getRevision()).isEqualTo(r);
            assertThat(c7.getHeader().getMemberId()).isNotZero();
            // duplicate id
            req.onNext(create(WatchCreateRequest.newBuilder().setKey(bs("g/a")).setWatchId(7)));
            WatchResponse dup = next(got);
            assertThat(dup.toBuilder().clearHeader().build()).isEqualTo(WatchResponse.newBuilder().setWatchId(-1)
                    .setCreated(true).setCanceled(true)
                    .setCancelReason("mvcc: duplicate watch ID provided on the WatchStream").build());
            // auto ids count from 0
            req.onNext(create(WatchCreateRequest.newBuilder().setKey(bs("g/"))
                    .setRangeEnd(bs("g0")).addFilters(WatchCreateRequest.FilterType.NOPUT)));
            assertThat(next(got).getWatchId()).isZero();
            // empty range
            req.onNext(create(WatchCreateRequest.newBuilder().setKey(bs("g/b")).setRangeEnd(bs("g/a"))));
            WatchResponse empty = next(got);
            assertThat(empty.getWatchId()).isEqualTo(-1);
            assertThat(empty.getCancelReason()).isEqualTo("mvcc: watcher range is empty");
            // events: watcher 7 sees the put, watcher 0 (NOPUT) only the delete
            ctl.ok("put", "g/a", "1"); // r+1
            WatchResponse put = next(got);
            assertThat(put.getWatchId()).isEqualTo(7);
            assertThat(put.getHeader().getRevision()).isEqualTo(r + 1);
            ctl.ok("del", "g/a"); // r+2
            List<WatchResponse> dels = List.of(next(got), next(got));
            assertThat(dels).extracting(WatchResponse::getWatchId).containsExactlyInAnyOrder(0L, 7L);
            assertThat(dels).allMatch(d -> d.getEvents(0).getType() == io.etch.api.mvccpb.Event.EventType.DELETE);
            // progress request: watch_id -1, header = current revision
            req.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
            WatchResponse progress = next(got);
            assertThat(progress.getWatchId()).isEqualTo(-1);
            assertThat(progress.getHeader().getRevision()).isEqualTo(r + 2);
            assertThat(progress.getEventsCount()).isZero();
            // cancel a known id, then an unknown one (no answer), then another progress
            req.onNext(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(7)).build());
            WatchResponse cancelled = next(got);
            assertThat(cancelled.getWatchId()).isEqualTo(7);
            assertThat(cancelled.getCanceled()).isTrue();
            assertThat(cancelled.getHeader().getRevision()).isEqualTo(r + 2);
            req.onNext(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(99)).build());
            req.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
            assertThat(next(got).getWatchId()).isEqualTo(-1);
            // compacted start: created, then canceled with compact_revision and no header revision
            ctl.ok("put", "g/c", "1"); // r+3
            ctl.ok("compaction", String.valueOf(r + 3));
            // n1 may be a follower that applies the compaction a moment after the leader answered
            Await.untilTrue("n1 applied the compaction", WAIT, () -> ctl.run("get", "g/c", "--rev",
                    String.valueOf(r + 1), "--consistency=s").stderr().contains("required revision has been compacted"));
            req.onNext(create(WatchCreateRequest.newBuilder().setKey(bs("g/c")).setStartRevision(r + 1)));
            WatchResponse created = next(got);
            assertThat(created.getCreated()).isTrue();
            assertThat(created.getWatchId()).isEqualTo(1);
            WatchResponse compacted = next(got);
            assertThat(compacted.getWatchId()).isEqualTo(1);
            assertThat(compacted.getCanceled()).isTrue();
            assertThat(compacted.getCompactRevision()).isEqualTo(r + 3);
            assertThat(compacted.getCancelReason()).isEmpty();
            assertThat(compacted.getHeader().getRevision()).isZero();
            assertThat(compacted.getHeader().getMemberId()).isNotZero();
            req.onCompleted();
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static WatchRequest create(WatchCreateRequest.Builder b) {
        return WatchRequest.newBuilder().setCreateRequest(b).build();
    }

    private static WatchResponse next(LinkedBlockingQueue<Object> q) throws InterruptedException {
        Object o = q.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(o).as("a watch response").isInstanceOf(WatchResponse.class);
        return (WatchResponse) o;
    }

    /** An idle watch on a follower outlives etcdctl's 10 s keepalive pings on one connection (reference §0.2). */
    @Test
    @Order(6)
    void idleWatchOnFollowerStaysOpen() {
        Member leader = cluster.leader(WAIT);
        Member follower = cluster.members().stream().filter(m -> !m.equals(leader)).findFirst().orElseThrow();
        Etcdctl f = cluster.etcdctl(follower);
        long r = currentRevision(f);
        WatchProcess w = watch(List.of(follower.clientUrl()), "watch", "f/k", "--rev", String.valueOf(r + 1));
        String port = Await.until("etcdctl connected", WAIT, () -> w.remotePort(follower.clientPort()));
        long start = System.nanoTime();
        Await.until("70 s of silence", Duration.ofSeconds(90), () -> {
            if (!w.isAlive()) {
                throw new Await.Abort("etcdctl watch exited: " + w.stderr());
            }
            return System.nanoTime() - start > Duration.ofSeconds(70).toNanos() ? Optional.of(true) : Optional.empty();
        });
        assertThat(w.remotePort(follower.clientPort())).as("same connection (no GOAWAY/reconnect)").contains(port);
        f.ok("put", "f/k", "late");
        w.awaitStdout("PUT\nf/k\nlate\n");
        assertThat(w.stderr()).isEmpty();
    }

    /** A watch on the leader's endpoint (first of all three) sees every event written before and after the kill. */
    @Test
    @Order(7)
    void watchSurvivesLeaderKill() {
        Member leader = cluster.leader(WAIT);
        List<String> endpoints = new ArrayList<>();
        endpoints.add(leader.clientUrl());
        cluster.members().stream().filter(m -> !m.equals(leader)).forEach(m -> endpoints.add(m.clientUrl()));
        Etcdctl all = cluster.etcdctl().withEndpoints(endpoints);
        long r = currentRevision(all);
        WatchProcess w = watch(endpoints, "watch", "--prefix", "l/", "--rev", String.valueOf(r + 1));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            all.ok("put", "l/" + i, "before");
            expected.append("PUT\nl/").append(i).append("\nbefore\n");
        }
        w.awaitStdout(expected.toString());
        cluster.kill(leader);
        List<String> rest = endpoints.subList(1, 3);
        Etcdctl survivors = cluster.etcdctl().withEndpoints(rest);
        for (int i = 0; i < 10; i++) {
            String key = "l/after" + i;
            Await.until("put " + key, WAIT, () -> {
                Etcdctl.Result res = survivors.run("put", key, "after");
                return res.exitCode() == 0 ? Optional.of(true) : Optional.empty();
            });
            expected.append("PUT\n").append(key).append("\nafter\n");
        }
        w.awaitStdout(expected.toString());
        assertThat(w.isAlive()).isTrue();
        cluster.restart(leader);
        cluster.ensureAllRunning(Duration.ofSeconds(60));
    }

    /**
     * {@code hasleader} streams on a member that lost its quorum: an open one ends with
     * {@code Unavailable "etcdserver: no leader"} after about three election timeouts; a new one at once.
     */
    @Test
    @Order(8)
    void hasLeaderStreamsFailWithoutLeader() throws Exception {
        cluster.ensureAllRunning(Duration.ofSeconds(60));
        Member n1 = cluster.member("n1");
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", n1.clientPort()).usePlaintext().build();
        try {
            Metadata md = new Metadata();
            md.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
            WatchGrpc.WatchStub stub = WatchGrpc.newStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
            LinkedBlockingQueue<Object> open = new LinkedBlockingQueue<>();
            StreamObserver<WatchRequest> req = stub.watch(collector(open));
            req.onNext(create(WatchCreateRequest.newBuilder().setKey(bs("h/a"))));
            assertThat(next(open).getCreated()).isTrue();
            for (Member m : cluster.members()) {
                if (!m.equals(n1)) {
                    cluster.kill(m);
                }
            }
            Object end = open.poll(30, TimeUnit.SECONDS);
            assertThat(end).as("stream end").isInstanceOf(io.grpc.StatusRuntimeException.class);
            io.grpc.Status st = ((io.grpc.StatusRuntimeException) end).getStatus();
            assertThat(st.getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
            assertThat(st.getDescription()).isEqualTo("etcdserver: no leader");
            LinkedBlockingQueue<Object> late = new LinkedBlockingQueue<>();
            stub.watch(collector(late));
            Object refused = late.poll(10, TimeUnit.SECONDS);
            assertThat(refused).isInstanceOf(io.grpc.StatusRuntimeException.class);
            assertThat(((io.grpc.StatusRuntimeException) refused).getStatus().getDescription())
                    .isEqualTo("etcdserver: no leader");
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            cluster.ensureAllRunning(Duration.ofSeconds(60));
        }
    }

    private static StreamObserver<WatchResponse> collector(LinkedBlockingQueue<Object> got) {
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse value) {
                got.add(value);
            }

            @Override
            public void onError(Throwable t) {
                got.add(t);
            }

            @Override
            public void onCompleted() {
                got.add("completed");
            }
        };
    }

    /** A running {@code etcdctl watch}: stdout collected by a thread, stdin kept open for {@code -i}. */
    static final class WatchProcess {
        private final Process process;
        private final StringBuffer out = new StringBuffer();
        private final Path err;
        private final BufferedWriter in;

        WatchProcess(List<String> endpoints, String... args) {
            List<String> command = new ArrayList<>();
            command.add(Etcdctl.BINARY);
            command.add("--endpoints=" + String.join(",", endpoints));
            command.addAll(List.of(args));
            try {
                err = Files.createTempFile("etcdctl-watch-", ".err");
                ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile());
                pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
                pb.environment().put("ETCDCTL_API", "3");
                process = pb.start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot run " + command, e);
            }
            in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            Thread reader = new Thread(() -> {
                try (InputStream s = process.getInputStream()) {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = s.read(buf)) > 0) {
                        out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException ignored) {
                    // process ended
                }
            }, "etcdctl-watch-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        void send(String line) {
            try {
                in.write(line + "\n");
                in.flush();
            } catch (IOException e) {
                throw new AssertionError("etcdctl stdin closed: " + stderr(), e);
            }
        }

        String stdout() {
            return out.toString();
        }

        String stderr() {
            try {
                return Files.readString(err);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Waits until stdout is exactly {@code expected} (fails at once if it can no longer become it). */
        void awaitStdout(String expected) {
            Await.until("etcdctl watch output\n" + expected, WAIT, () -> {
                String s = stdout();
                if (s.equals(expected)) {
                    return Optional.of(true);
                }
                if (!expected.startsWith(s)) {
                    throw new Await.Abort("unexpected watch output:\n" + s + "\nexpected:\n" + expected
                            + "\nstderr: " + stderr());
                }
                return Optional.empty();
            });
        }

        List<String> awaitLines(int n) {
            return Await.until(n + " output lines", WAIT, () -> {
                String s = stdout();
                List<String> lines = s.isEmpty() ? List.of() : List.of(s.split("\n"));
                if (lines.size() > n) {
                    throw new Await.Abort("too many lines:\n" + s);
                }
                return lines.size() == n && s.endsWith("\n") ? Optional.of(lines) : Optional.empty();
            });
        }

        /** The local port of this process's TCP connection to {@code serverPort}, via {@code ss}. */
        Optional<String> remotePort(int serverPort) {
            try {
                Process ss = new ProcessBuilder("ss", "-tnpH", "state", "established", "dport", "= :" + serverPort)
                        .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
                String text = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                ss.waitFor(5, TimeUnit.SECONDS);
                for (String l : text.split("\n")) {
                    if (l.contains("pid=" + process.pid() + ",")) {
                        String[] cols = l.trim().split("\\s+");
                        return Optional.of(cols[2]); // local address:port
                    }
                }
                return Optional.empty();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        void destroy() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                Files.deleteIfExists(err);
            } catch (IOException ignored) {
                // temp file
            }
        }
    }
}
