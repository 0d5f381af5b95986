package io.etch.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcdctl's {@code elect} and {@code elect -l} (reference §2.7: plain KV, Lease and Watch): the first
 * candidate leads, a second one waits until the first resigns, and an observer prints every leader.
 */
class ElectE2ETest {
    @RegisterExtension
    static final ClusterExtension CLUSTER = new ClusterExtension("elect");

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String LEADER = "el/[0-9a-f]+\n";
    private final List<WatchE2ETest.WatchProcess> processes = new ArrayList<>();

    @AfterEach
    void stopAll() {
        processes.forEach(WatchE2ETest.WatchProcess::destroy);
    }

    private WatchE2ETest.WatchProcess etcdctl(String... args) {
        WatchE2ETest.WatchProcess p = new WatchE2ETest.WatchProcess(CLUSTER.cluster().endpoints(), args);
        processes.add(p);
        return p;
    }

    @Test
    void secondCandidateLeadsOnlyAfterTheFirstResignsAndTheObserverSeesBoth() {
        WatchE2ETest.WatchProcess observer = etcdctl("elect", "-l", "el");
        WatchE2ETest.WatchProcess first = etcdctl("elect", "el", "p1");
        Await.untilTrue("the first candidate leads", WAIT, () -> first.stdout().matches(LEADER + "p1\n"));
        Await.untilTrue("the observer sees p1", WAIT, () -> observer.stdout().matches(LEADER + "p1\n"));
        String firstKey = first.stdout().split("\n")[0];
        assertThat(observer.stdout()).startsWith(firstKey + "\n");

        WatchE2ETest.WatchProcess second = etcdctl("elect", "el", "p2");
        // While the first leads, the second must stay silent (bounded look, not a synchronisation point).
        long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        while (System.nanoTime() < until) {
            assertThat(second.stdout()).as("second candidate while the first leads").isEmpty();
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }

        first.destroy(); // SIGTERM: etcdctl resigns
        Await.untilTrue("the second candidate leads", WAIT, () -> second.stdout().matches(LEADER + "p2\n"));
        assertThat(second.stdout().split("\n")[0]).isNotEqualTo(firstKey);
        Await.untilTrue("the observer sees p2", WAIT,
                () -> observer.stdout().matches(LEADER + "p1\n" + LEADER + "p2\n"));
        assertThat(observer.isAlive()).isTrue();
    }
}
