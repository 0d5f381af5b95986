package io.etch.raft.log;

import static io.etch.raft.log.LogFixture.SMALL_SEGMENT;
import static io.etch.raft.log.LogFixture.assertAbsent;
import static io.etch.raft.log.LogFixture.bytes;
import static io.etch.raft.log.LogFixture.confEntry;
import static io.etch.raft.log.LogFixture.entry;
import static io.etch.raft.log.LogFixture.peer;
import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.conf.ConfigurationEntry;
import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.PeerId;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link SegmentLogStorage} against an in-memory model: random appends, truncations, resets, restarts and
 * unsynced runs, checked after every step (the contract's cases one by one: {@link SegmentLogStorageTest},
 * {@link SegmentLogStorageTruncateTest}, {@link SegmentLogStorageRecoveryTest}).
 */
class SegmentLogStorageModelTest extends SegmentLogTestBase {
    // ---------------------------------------------------------------- randomised, against a model

    /** What the model expects at an index. */
    record Expected(long term, EntryType type, byte[] data, List<PeerId> peers) {
    }

    private static final class Model {
        long first = 1;
        long last = 0;
        final TreeMap<Long, Expected> entries = new TreeMap<>();

        void truncatePrefix(long k) {
            entries.headMap(k, false).clear();
            first = Math.max(first, k);
            if (last < first - 1) {
                last = first - 1;
            }
        }

        void truncateSuffix(long k) {
            entries.tailMap(k, false).clear();
            last = k;
        }

        void reset(long n) {
            Expected keep = entries.get(n);
            entries.clear();
            entries.put(n, keep != null ? keep : new Expected(0, EntryType.ENTRY_TYPE_NO_OP, new byte[0], null));
            first = n;
            last = n;
        }
    }

    @Test
    void randomOperationsWithRestartsMatchAnInMemoryModel() {
        for (long seed = 1; seed <= 20; seed++) {
            runModel(seed, 160);
        }
    }

    private void runModel(long seed, int steps) {
        Random r = new Random(seed);
        boolean sync = seed % 4 == 0;
        // odd seeds: every record has the same size, so re-appended records land exactly on the old ones
        int fixedSize = seed % 2 == 1 ? 40 + r.nextInt(300) : -1;
        shutdownAll();
        try {
            logDir = Files.createDirectories(dir.resolve("seed-" + seed));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Model m = new Model();
        SegmentLogStorage s = open(SMALL_SEGMENT, sync);
        long term = 1;
        Deque<String> history = new ArrayDeque<>();
        for (int step = 0; step < steps; step++) {
            int op = r.nextInt(100);
            String what;
            boolean full;
            if (op < 50) {
                int k = 1 + r.nextInt(8);
                if (r.nextInt(10) == 0) {
                    term++;
                }
                List<LogEntry> batch = new ArrayList<>();
                for (int j = 0; j < k; j++) {
                    long idx = m.last + 1 + j;
                    if (r.nextInt(20) == 0) {
                        List<PeerId> peers = List.of(peer(10000 + (int) (idx % 50000)), peer(8001));
                        batch.add(confEntry(idx, term, peers, null));
                        m.entries.put(idx, new Expected(term, EntryType.ENTRY_TYPE_CONFIGURATION, new byte[0], peers));
                    } else {
                        byte[] d = new byte[fixedSize >= 0 ? fixedSize : r.nextInt(601)];
                        r.nextBytes(d);
                        batch.add(entry(idx, term, d));
                        m.entries.put(idx, new Expected(term, EntryType.ENTRY_TYPE_DATA, d, null));
                    }
                }
                what = "append " + (m.last + 1) + ".." + (m.last + k) + " term " + term;
                int got = s.appendEntries(batch);
                m.last += k;
                check(got == k, "appended " + got + " of " + k, history, what, seed, step);
                full = false;
            } else if (op < 55 && m.last >= m.first) {
                // a batch with a gap after p good entries: only those p are appended
                int p = r.nextInt(3);
                List<LogEntry> batch = new ArrayList<>();
                for (int j = 0; j < p; j++) {
                    long idx = m.last + 1 + j;
                    byte[] d = new byte[fixedSize >= 0 ? fixedSize : r.nextInt(601)];
                    r.nextBytes(d);
                    batch.add(entry(idx, term, d));
                    m.entries.put(idx, new Expected(term, EntryType.ENTRY_TYPE_DATA, d, null));
                }
                long gapAt = m.last + p + 2;
                batch.add(entry(gapAt, term, new byte[10]));
                batch.add(entry(gapAt + 1, term, new byte[10]));
                what = "append with gap: " + p + " good then " + gapAt;
                int got = s.appendEntries(batch);
                m.last += p;
                check(got == p, "appended " + got + " of the " + p + " before the gap", history, what, seed, step);
                full = false;
            } else if (op < 65) {
                long k = m.first + r.nextInt((int) (m.last - m.first + 4));
                what = "truncatePrefix " + k;
                check(s.truncatePrefix(k), "truncatePrefix returned false", history, what, seed, step);
                m.truncatePrefix(k);
                full = true;
            } else if (op < 80) {
                long lo = Math.max(0, m.first - 1);
                long k = lo + r.nextInt((int) (m.last - lo + 1));
                what = "truncateSuffix " + k;
                check(s.truncateSuffix(k), "truncateSuffix returned false", history, what, seed, step);
                m.truncateSuffix(k);
                term++; // a new leader's entries follow
                full = true;
            } else if (op < 85) {
                long n = Math.max(1, m.first - 2 + r.nextInt((int) (m.last - m.first + 8)));
                what = "reset " + n;
                check(s.reset(n), "reset returned false", history, what, seed, step);
                m.reset(n);
                full = true;
            } else {
                what = "restart";
                close(s);
                s = open(SMALL_SEGMENT, sync);
                full = true;
            }
            history.addLast(what);
            if (history.size() > 25) {
                history.removeFirst();
            }
            verify(s, m, full ? null : r, history, seed, step, what.equals("restart"));
        }
        close(s);
        s = open(SMALL_SEGMENT, sync);
        history.addLast("final restart");
        verify(s, m, null, history, seed, steps, true);
        close(s);
    }

    private static void check(boolean ok, String message, Deque<String> history, String what, long seed, int step) {
        if (!ok) {
            throw new AssertionError(context(seed, step, history, what) + ": " + message);
        }
    }

    private static String context(long seed, int step, Deque<String> history, String what) {
        return "seed " + seed + " step " + step + " (" + what + "), recent operations " + history;
    }

    /** Checks first/last and the entries: every one when {@code sample} is null, else the ends and a sample. */
    private void verify(SegmentLogStorage s, Model m, Random sample, Deque<String> history, long seed, int step,
            boolean afterRestart) {
        try {
            assertThat(s.getFirstLogIndex()).as("first").isEqualTo(m.first);
            assertThat(s.getLastLogIndex()).as("last").isEqualTo(m.last);
            List<Long> indexes = new ArrayList<>();
            if (sample == null) {
                for (long i = Math.max(0, m.first - 3); i <= m.last + 3; i++) {
                    indexes.add(i);
                }
            } else {
                for (long i = Math.max(0, m.first - 2); i <= m.first + 2; i++) {
                    indexes.add(i);
                }
                for (long i = Math.max(0, m.last - 10); i <= m.last + 2; i++) {
                    indexes.add(i);
                }
                for (int j = 0; j < 10 && m.last >= m.first; j++) {
                    indexes.add(m.first + sample.nextInt((int) (m.last - m.first + 1)));
                }
            }
            for (long i : indexes) {
                Expected e = m.entries.get(i);
                if (e == null) {
                    assertAbsent(s, i);
                    continue;
                }
                LogEntry got = s.getEntry(i);
                assertThat(got).as("entry %d", i).isNotNull();
                assertThat(got.getId().getIndex()).as("index of %d", i).isEqualTo(i);
                assertThat(got.getId().getTerm()).as("term of %d", i).isEqualTo(e.term());
                assertThat(s.getTerm(i)).as("getTerm(%d)", i).isEqualTo(e.term());
                assertThat(got.getType()).as("type of %d", i).isEqualTo(e.type());
                assertThat(bytes(got)).as("data of %d", i).isEqualTo(e.data());
                if (e.peers() != null) {
                    assertThat(got.getPeers()).as("peers of %d", i).containsExactlyElementsOf(e.peers());
                }
            }
            if (afterRestart) {
                Map.Entry<Long, Expected> lastConf = null;
                for (Map.Entry<Long, Expected> me : m.entries.entrySet()) {
                    if (me.getValue().type() == EntryType.ENTRY_TYPE_CONFIGURATION) {
                        lastConf = me;
                    }
                }
                ConfigurationEntry c = logs.confManager().getLastConfiguration();
                if (lastConf == null) {
                    assertThat(c.getId().getIndex()).as("recovered configuration index").isZero();
                } else {
                    assertThat(c.getId().getIndex()).as("recovered configuration index").isEqualTo(lastConf.getKey());
                    assertThat(c.getId().getTerm()).as("recovered configuration term").isEqualTo(lastConf.getValue().term());
                    assertThat(c.getConf().getPeers()).containsExactlyInAnyOrderElementsOf(lastConf.getValue().peers());
                }
            }
        } catch (AssertionError e) {
            throw new AssertionError(context(seed, step, history, "verify") + ": " + e.getMessage(), e);
        }
    }
}
