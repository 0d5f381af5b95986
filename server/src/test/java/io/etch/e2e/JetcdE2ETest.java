package io.etch.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * jetcd ({@code io.etcd:jetcd-core}) as a second, independent client: KV, Watch, Lease keep-alive and
 * the Lock and Election services that etcdctl does not use. Runs against etcd too
 * ({@code -De2e.target=etcd}).
 */
class JetcdE2ETest {
    @RegisterExtension
    static final ClusterExtension CLUSTER = new ClusterExtension("jetcd");

    private static Client client;

    @BeforeAll
    static void connect() {
        client = Client.builder().endpoints(CLUSTER.cluster().endpoints().toArray(String[]::new)).build();
    }

    @AfterAll
    static void disconnect() {
        if (client != null) {
            client.close();
        }
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    @Test
    void kvAndWatch() throws Exception {
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        // The watch is created asynchronously: start it at the next revision so that the puts below cannot
        // overtake its creation.
        long next = get(client.getKVClient().get(bs("jw/none"))).getHeader().getRevision() + 1;
        try (Watch.Watcher w = client.getWatchClient().watch(bs("jw/"),
                WatchOption.builder().isPrefix(true).withRevision(next).build(),
                Watch.listener(r -> events.addAll(r.getEvents())))) {
            long rev = get(client.getKVClient().put(bs("jw/a"), bs("1"))).getHeader().getRevision();
            get(client.getKVClient().put(bs("jw/a"), bs("2")));
            get(client.getKVClient().delete(bs("jw/a")));
            GetResponse at = get(client.getKVClient().get(bs("jw/a"),
                    io.etcd.jetcd.options.GetOption.builder().withRevision(rev).build()));
            assertThat(at.getKvs()).singleElement().satisfies(kv -> assertThat(kv.getValue().toString(UTF_8)).isEqualTo("1"));
            Await.untilTrue("three watch events", Duration.ofSeconds(10), () -> events.size() == 3);
            assertThat(events).extracting(WatchEvent::getEventType)
                    .containsExactly(WatchEvent.EventType.PUT, WatchEvent.EventType.PUT, WatchEvent.EventType.DELETE);
            assertThat(events.get(1).getKeyValue().getVersion()).isEqualTo(2);
        }
    }

    @Test
    void leaseKeepAliveKeepsTheKey() throws Exception {
        long id = get(client.getLeaseClient().grant(2)).getID();
        get(client.getKVClient().put(bs("jl/k"), bs("v"), io.etcd.jetcd.options.PutOption.builder().withLeaseId(id).build()));
        AtomicInteger responses = new AtomicInteger();
        try (var keepAlive = client.getLeaseClient().keepAlive(id, new StreamObserver<LeaseKeepAliveResponse>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                if (r.getTTL() > 0) {
                    responses.incrementAndGet();
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        })) {
            // Past the 2 s TTL only keep-alives can keep the key.
            Await.untilTrue("keep-alive responses for 4 s", Duration.ofSeconds(20), () -> responses.get() >= 4);
            assertThat(get(client.getKVClient().get(bs("jl/k"))).getKvs()).hasSize(1);
            assertThat(get(client.getLeaseClient().timeToLive(id, io.etcd.jetcd.options.LeaseOption.DEFAULT)).getTTL())
                    .isPositive();
        }
        get(client.getLeaseClient().revoke(id));
        assertThat(get(client.getKVClient().get(bs("jl/k"))).getKvs()).isEmpty();
    }

    @Test
    void lockIsExclusiveUntilUnlocked() throws Exception {
        long l1 = get(client.getLeaseClient().grant(30)).getID();
        long l2 = get(client.getLeaseClient().grant(30)).getID();
        LockResponse first = get(client.getLockClient().lock(bs("jlock"), l1));
        assertThat(first.getKey().toString(UTF_8)).isEqualTo("jlock/" + Long.toHexString(l1));
        CompletableFuture<LockResponse> second = client.getLockClient().lock(bs("jlock"), l2);
        assertThatThrownBy(() -> second.get(1500, TimeUnit.MILLISECONDS))
                .isInstanceOf(java.util.concurrent.TimeoutException.class);
        get(client.getLockClient().unlock(first.getKey()));
        LockResponse got = get(second);
        assertThat(got.getKey().toString(UTF_8)).isEqualTo("jlock/" + Long.toHexString(l2));
        assertThat(got.getHeader().getRevision()).isGreaterThan(first.getHeader().getRevision());
        get(client.getLockClient().unlock(got.getKey()));
    }

    @Test
    void electionCampaignObserveProclaimResign() throws Exception {
        Election election = client.getElectionClient();
        assertThatThrownBy(() -> get(election.leader(bs("jelect"))))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NoLeaderException.class);

        List<String> observed = new CopyOnWriteArrayList<>();
        election.observe(bs("jelect"), new Election.Listener() {
            @Override
            public void onNext(LeaderResponse r) {
                observed.add(r.getKv().getValue().toString(UTF_8));
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });

        long l1 = get(client.getLeaseClient().grant(30)).getID();
        CampaignResponse won = get(election.campaign(bs("jelect"), l1, bs("alpha")));
        LeaderKey leader = won.getLeader();
        assertThat(leader.getKey().toString(UTF_8)).isEqualTo("jelect/" + Long.toHexString(l1));
        assertThat(get(election.leader(bs("jelect"))).getKv().getValue().toString(UTF_8)).isEqualTo("alpha");

        long l2 = get(client.getLeaseClient().grant(30)).getID();
        CompletableFuture<CampaignResponse> challenger = election.campaign(bs("jelect"), l2, bs("beta"));
        get(election.proclaim(leader, bs("alpha2")));
        assertThat(get(election.leader(bs("jelect"))).getKv().getValue().toString(UTF_8)).isEqualTo("alpha2");
        assertThat(challenger).isNotDone();

        get(election.resign(leader));
        assertThat(get(challenger).getLeader().getKey().toString(UTF_8)).isEqualTo("jelect/" + Long.toHexString(l2));
        Await.untilTrue("observer saw alpha, alpha2, beta", Duration.ofSeconds(10), () -> observed.contains("beta"));
        assertThat(observed).containsSubsequence("alpha", "alpha2", "beta");
    }
}
