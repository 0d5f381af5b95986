package io.etch.raft.log;

import static io.etch.raft.log.LogFixture.SMALL_SEGMENT;
import static io.etch.raft.log.LogFixture.appendRange;
import static io.etch.raft.log.LogFixture.assertAbsent;
import static io.etch.raft.log.LogFixture.assertEntry;
import static io.etch.raft.log.LogFixture.bytes;
import static io.etch.raft.log.LogFixture.confEntry;
import static io.etch.raft.log.LogFixture.entry;
import static io.etch.raft.log.LogFixture.payload;
import static io.etch.raft.log.LogFixture.peer;
import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.conf.ConfigurationEntry;
import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.LogId;
import com.alipay.sofa.jraft.entity.PeerId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@link com.alipay.sofa.jraft.storage.LogStorage} contract of {@link SegmentLogStorage}, as jraft's
 * RocksDBLogStorage defines it: append, read, configuration recovery, concurrent readers and
 * large entries, and that they survive a restart (shutdown + new instance on the same directory); the truncating
 * operations are in {@link SegmentLogStorageTruncateTest}.
 */
class SegmentLogStorageTest extends SegmentLogTestBase {
    // ---------------------------------------------------------------- basics

    @Test
    void aFreshLogIsEmptyAndReadsNothing() {
        SegmentLogStorage s = open(0);
        assertThat(s.getFirstLogIndex()).isEqualTo(1);
        assertThat(s.getLastLogIndex()).isEqualTo(0);
        assertAbsent(s, 0);
        assertAbsent(s, 1);
        assertAbsent(s, 2);

        s = restart(s, 0);
        assertThat(s.getFirstLogIndex()).isEqualTo(1);
        assertThat(s.getLastLogIndex()).isEqualTo(0);
    }

    @Test
    void theAppendListenerHearsTheLastIndexOnceTheEntriesAreReadable() {
        SegmentLogStorage s = open(0);
        List<String> heard = new ArrayList<>();
        s.onAppended(last -> heard.add(last + ":" + s.getTerm(last)));
        assertThat(s.appendEntries(List.of())).isZero();
        assertThat(s.appendEntries(List.of(entry(1, 1, payload(1, 1, 10)), entry(2, 3, payload(2, 3, 10))))).isEqualTo(2);
        assertThat(s.appendEntries(List.of(entry(5, 3, payload(5, 3, 10))))).isZero(); // does not follow 2
        assertThat(s.appendEntry(entry(3, 3, payload(3, 3, 10)))).isTrue();
        assertThat(heard).containsExactly("2:3", "3:3");
    }

    @Test
    void appendedEntriesReadBackAndSurviveRestart() {
        SegmentLogStorage s = open(0);
        assertThat(s.appendEntries(List.of())).isZero();
        assertThat(s.appendEntry(entry(1, 1, payload(1, 1, 10)))).isTrue();
        assertThat(s.appendEntries(List.of(entry(2, 1, new byte[0]), entry(3, 2, payload(3, 2, 1000))))).isEqualTo(2);

        for (int round = 0; round < 2; round++) {
            assertThat(s.getFirstLogIndex()).isEqualTo(1);
            assertThat(s.getLastLogIndex()).isEqualTo(3);
            assertEntry(s, 1, 1, payload(1, 1, 10));
            assertEntry(s, 2, 1, new byte[0]);
            assertEntry(s, 3, 2, payload(3, 2, 1000));
            assertAbsent(s, 0);
            assertAbsent(s, 4);
            assertAbsent(s, 1000);
            s = restart(s, 0);
        }
    }

    @Test
    void appendingDoesNotConsumeTheCallersDataBuffer() {
        SegmentLogStorage s = open(0);
        byte[] data = payload(1, 1, 50);
        LogEntry e = entry(1, 1, data);
        assertThat(s.appendEntry(e)).isTrue();
        assertThat(e.getData().remaining()).isEqualTo(50);
        assertThat(bytes(e)).isEqualTo(data);
    }

    @Test
    void aNonContiguousEntryStopsTheBatch() {
        SegmentLogStorage s = open(0);
        appendRange(s, 1, 3, 1, i -> 20);

        List<LogEntry> gap = List.of(entry(4, 1, payload(4, 1, 20)), entry(5, 1, payload(5, 1, 20)),
                entry(7, 1, payload(7, 1, 20)), entry(8, 1, payload(8, 1, 20)));
        assertThat(s.appendEntries(gap)).isEqualTo(2);
        assertThat(s.getLastLogIndex()).isEqualTo(5);
        assertAbsent(s, 6);
        assertAbsent(s, 7);
        assertAbsent(s, 8);

        // a batch whose very first entry leaves a gap appends nothing; one that goes back (an existing index) neither
        assertThat(s.appendEntries(List.of(entry(9, 1, payload(9, 1, 20))))).isZero();
        assertThat(s.appendEntries(List.of(entry(5, 1, payload(5, 2, 20))))).isZero();
        assertThat(s.appendEntry(entry(3, 1, payload(3, 1, 20)))).isFalse();
        assertThat(s.getLastLogIndex()).isEqualTo(5);
        assertEntry(s, 5, 1, payload(5, 1, 20));

        s = restart(s, 0);
        assertThat(s.getLastLogIndex()).isEqualTo(5);
        for (long i = 1; i <= 5; i++) {
            assertEntry(s, i, 1, payload(i, 1, 20));
        }
        assertAbsent(s, 7);
        assertThat(s.appendEntry(entry(6, 1, payload(6, 1, 20)))).isTrue();
        assertThat(s.getLastLogIndex()).isEqualTo(6);
    }

    @Test
    void anEmptyLogAcceptsAnyIndexAsItsFirst() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        appendRange(s, 100, 102, 3, i -> 30);
        assertThat(s.getFirstLogIndex()).isEqualTo(100);
        assertThat(s.getLastLogIndex()).isEqualTo(102);
        assertAbsent(s, 99);
        assertEntry(s, 100, 3, payload(100, 3, 30));

        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(100);
        assertThat(s.getLastLogIndex()).isEqualTo(102);
        for (long i = 100; i <= 102; i++) {
            assertEntry(s, i, 3, payload(i, 3, 30));
        }
        assertAbsent(s, 99);
    }

    @Test
    void entriesCrossSegmentBoundariesAndSurviveRestart() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        // ~300 bytes per record: ~13 per 4 KiB segment, 200 entries roll over ~15 segments
        for (long i = 1; i <= 200; i += 7) {
            appendRange(s, i, Math.min(200, i + 6), 1, j -> (int) (j * 37 % 600));
        }
        for (int round = 0; round < 2; round++) {
            assertThat(s.getFirstLogIndex()).isEqualTo(1);
            assertThat(s.getLastLogIndex()).isEqualTo(200);
            for (long i = 1; i <= 200; i++) {
                assertEntry(s, i, 1, payload(i, 1, (int) (i * 37 % 600)));
            }
            s = restart(s, SMALL_SEGMENT);
        }
        appendRange(s, 201, 210, 2, j -> 500);
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(210);
        assertEntry(s, 200, 1, payload(200, 1, (int) (200 * 37 % 600)));
        assertEntry(s, 210, 2, payload(210, 2, 500));
    }

    // ---------------------------------------------------------------- configuration entries

    @Test
    void configurationEntriesAreReadBackAndRecoveredIntoTheConfigurationManager() {
        List<PeerId> three = List.of(peer(8081), peer(8082), peer(8083));
        List<PeerId> two = List.of(peer(8081), peer(8082));
        SegmentLogStorage s = open(SMALL_SEGMENT);
        assertThat(s.appendEntries(List.of(entry(1, 1, payload(1, 1, 10)), confEntry(2, 1, three, null),
                entry(3, 1, payload(3, 1, 10)), confEntry(4, 2, two, three), entry(5, 2, payload(5, 2, 10)))))
                .isEqualTo(5);

        LogEntry c = s.getEntry(4);
        assertThat(c.getType()).isEqualTo(EntryType.ENTRY_TYPE_CONFIGURATION);
        assertThat(c.getId()).isEqualTo(new LogId(4, 2));
        assertThat(c.getPeers()).containsExactlyElementsOf(two);
        assertThat(c.getOldPeers()).containsExactlyElementsOf(three);

        s = restart(s, SMALL_SEGMENT);
        ConfigurationEntry last = logs.confManager().getLastConfiguration();
        assertThat(last.getId()).isEqualTo(new LogId(4, 2));
        assertThat(last.getConf().getPeers()).containsExactlyInAnyOrderElementsOf(two);
        assertThat(last.getOldConf().getPeers()).containsExactlyInAnyOrderElementsOf(three);
        ConfigurationEntry at3 = logs.confManager().get(3);
        assertThat(at3.getId()).isEqualTo(new LogId(2, 1));
        assertThat(at3.getConf().getPeers()).containsExactlyInAnyOrderElementsOf(three);
        assertThat(s.getEntry(2).getPeers()).containsExactlyElementsOf(three);

        // a configuration below the first index is not recovered
        assertThat(s.truncatePrefix(3)).isTrue();
        s = restart(s, SMALL_SEGMENT);
        assertThat(logs.confManager().getLastConfiguration().getId()).isEqualTo(new LogId(4, 2));
        assertThat(logs.confManager().get(3).getId().getIndex()).as("no configuration at or before 3").isZero();

        // a truncated configuration is not recovered
        assertThat(s.truncateSuffix(3)).isTrue();
        s = restart(s, SMALL_SEGMENT);
        assertThat(logs.confManager().getLastConfiguration().getId().getIndex()).isZero();
        assertThat(s.getLastLogIndex()).isEqualTo(3);
    }

    @Test
    void configurationEntriesAcrossManySegmentsAreAllRecovered() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        List<LogEntry> batch = new ArrayList<>();
        for (long i = 1; i <= 150; i++) {
            batch.add(i % 10 == 0
                    ? confEntry(i, 1, List.of(peer((int) (9000 + i)), peer(8001)), null)
                    : entry(i, 1, payload(i, 1, 250)));
        }
        assertThat(s.appendEntries(batch)).isEqualTo(150);
        s = restart(s, SMALL_SEGMENT);
        for (long i = 10; i <= 150; i += 10) {
            ConfigurationEntry c = logs.confManager().get(i + 5);
            assertThat(c.getId().getIndex()).isEqualTo(i);
            assertThat(c.getConf().getPeers()).containsExactlyInAnyOrder(peer((int) (9000 + i)), peer(8001));
        }
        assertThat(logs.confManager().getLastConfiguration().getId().getIndex()).isEqualTo(150);
    }

    // ---------------------------------------------------------------- concurrent readers

    /**
     * jraft reads (replicators, catch-up) while its disk thread appends and truncates the prefix: an entry a reader
     * has seen published ({@code <= getLastLogIndex()}) reads back whole, unless the prefix moved past it.
     */
    @Test
    void readersRunningDuringAppendsAndPrefixTruncationSeeWholeEntries() throws Exception {
        SegmentLogStorage s = open(SMALL_SEGMENT, false);
        appendRange(s, 1, 10, 1, i -> (int) (i * 31 % 500));
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(3);
        List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
        try {
            for (int t = 0; t < 3; t++) {
                final long seed = t;
                results.add(readers.submit(() -> {
                    Random r = new Random(seed);
                    int checked = 0;
                    while (!done.get() || checked < 100) {
                        long first = s.getFirstLogIndex();
                        long last = s.getLastLogIndex();
                        if (last < first) {
                            continue;
                        }
                        long i = first + (long) r.nextInt((int) (last - first + 1));
                        LogEntry e = s.getEntry(i);
                        if (e == null) {
                            assertThat(s.getFirstLogIndex()).as("entry %d read as null", i).isGreaterThan(i);
                            continue;
                        }
                        assertThat(e.getId().getIndex()).isEqualTo(i);
                        assertThat(e.getId().getTerm()).isEqualTo(1);
                        assertThat(bytes(e)).isEqualTo(payload(i, 1, (int) (i * 31 % 500)));
                        checked++;
                    }
                    return checked;
                }));
            }
            for (long i = 11; i <= 1500; i += 5) {
                appendRange(s, i, i + 4, 1, j -> (int) (j * 31 % 500));
                if (i % 100 == 1) {
                    assertThat(s.truncatePrefix(i - 50)).isTrue();
                }
            }
        } finally {
            done.set(true);
            readers.shutdown();
        }
        assertThat(readers.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        for (java.util.concurrent.Future<Integer> f : results) {
            assertThat(f.get()).isGreaterThanOrEqualTo(100);
        }
        assertThat(s.getLastLogIndex()).isEqualTo(1500);
    }

    // ---------------------------------------------------------------- sizes

    @Test
    void theDefaultConstructorStoresLargeEntries() {
        SegmentLogStorage s = open(0);
        byte[] big = payload(2, 1, 3 * 1024 * 1024);
        assertThat(s.appendEntries(List.of(entry(1, 1, payload(1, 1, 5)), entry(2, 1, big),
                entry(3, 1, payload(3, 1, 5))))).isEqualTo(3);
        s = restart(s, 0);
        assertThat(s.getLastLogIndex()).isEqualTo(3);
        assertEntry(s, 2, 1, big);
        assertEntry(s, 3, 1, payload(3, 1, 5));
    }

    /**
     * Beyond the brief's contract but within jraft's: LogStorage has no size limit, so an entry larger than a segment
     * (an etcd request with a large --max-request-bytes, or a big batch) must still be stored, not refused.
     */
    @Test
    void anEntryLargerThanASegmentIsStillStored() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        appendRange(s, 1, 3, 1, i -> 100);
        byte[] big = payload(4, 1, 3 * SMALL_SEGMENT);
        assertThat(s.appendEntry(entry(4, 1, big))).isTrue();
        appendRange(s, 5, 6, 1, i -> 100);
        assertEntry(s, 4, 1, big);
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(6);
        assertEntry(s, 3, 1, payload(3, 1, 100));
        assertEntry(s, 4, 1, big);
        assertEntry(s, 6, 1, payload(6, 1, 100));
    }

    @Test
    void dataWithAllZeroBytesIsNotMistakenForTheEndOfTheLog() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        List<LogEntry> batch = new ArrayList<>();
        for (long i = 1; i <= 40; i++) {
            batch.add(entry(i, 1, new byte[(int) (i * 13 % 400)]));
        }
        assertThat(s.appendEntries(batch)).isEqualTo(40);
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(40);
        for (long i = 1; i <= 40; i++) {
            assertEntry(s, i, 1, new byte[(int) (i * 13 % 400)]);
        }
    }
}
