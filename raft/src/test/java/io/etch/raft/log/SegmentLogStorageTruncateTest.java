package io.etch.raft.log;

import static io.etch.raft.log.LogFixture.SMALL_SEGMENT;
import static io.etch.raft.log.LogFixture.appendRange;
import static io.etch.raft.log.LogFixture.assertAbsent;
import static io.etch.raft.log.LogFixture.assertEntry;
import static io.etch.raft.log.LogFixture.bytes;
import static io.etch.raft.log.LogFixture.entry;
import static io.etch.raft.log.LogFixture.payload;
import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.LogId;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The truncating part of {@link SegmentLogStorage}'s {@link com.alipay.sofa.jraft.storage.LogStorage} contract, as
 * jraft's RocksDBLogStorage defines it: truncatePrefix, truncateSuffix and reset, and that each survives a restart
 * (the rest: {@link SegmentLogStorageTest}).
 */
class SegmentLogStorageTruncateTest extends SegmentLogTestBase {
    // ---------------------------------------------------------------- truncatePrefix

    @Test
    void truncatePrefixDropsTheHeadAndSurvivesRestart() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        appendRange(s, 1, 100, 1, i -> 200);
        assertThat(s.truncatePrefix(40)).isTrue();
        for (int round = 0; round < 2; round++) {
            assertThat(s.getFirstLogIndex()).isEqualTo(40);
            assertThat(s.getLastLogIndex()).isEqualTo(100);
            assertAbsent(s, 1);
            assertAbsent(s, 39);
            for (long i = 40; i <= 100; i++) {
                assertEntry(s, i, 1, payload(i, 1, 200));
            }
            s = restart(s, SMALL_SEGMENT);
        }
        // and it keeps going: a second truncation and more appends
        assertThat(s.truncatePrefix(75)).isTrue();
        appendRange(s, 101, 120, 2, i -> 100);
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(75);
        assertThat(s.getLastLogIndex()).isEqualTo(120);
        assertAbsent(s, 74);
        assertEntry(s, 75, 1, payload(75, 1, 200));
        assertEntry(s, 120, 2, payload(120, 2, 100));
    }

    @Test
    void truncatePrefixBeyondTheLastEntryEmptiesTheLogAtThatIndex() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        appendRange(s, 1, 30, 1, i -> 300);
        assertThat(s.truncatePrefix(50)).isTrue();
        assertThat(s.getFirstLogIndex()).isEqualTo(50);
        assertThat(s.getLastLogIndex()).isEqualTo(49);
        assertAbsent(s, 30);
        assertAbsent(s, 50);

        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(50);
        assertThat(s.getLastLogIndex()).isEqualTo(49);
        assertAbsent(s, 1);
        assertAbsent(s, 30);

        assertThat(s.appendEntry(entry(50, 2, payload(50, 2, 40)))).isTrue();
        assertThat(s.getLastLogIndex()).isEqualTo(50);
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(50);
        assertThat(s.getLastLogIndex()).isEqualTo(50);
        assertEntry(s, 50, 2, payload(50, 2, 40));
        assertAbsent(s, 30);
    }

    @Test
    void truncatePrefixJustPastTheLastEntryThenAppendWithoutRestart() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        appendRange(s, 1, 10, 1, i -> 100);
        assertThat(s.truncatePrefix(11)).isTrue();
        assertThat(s.getFirstLogIndex()).isEqualTo(11);
        assertThat(s.getLastLogIndex()).isEqualTo(10);
        appendRange(s, 11, 13, 1, i -> 100);
        assertThat(s.getLastLogIndex()).isEqualTo(13);
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(11);
        assertThat(s.getLastLogIndex()).isEqualTo(13);
        assertAbsent(s, 10);
        for (long i = 11; i <= 13; i++) {
            assertEntry(s, i, 1, payload(i, 1, 100));
        }
    }

    /** The contract: an empty log accepts any index, which becomes its first, also after truncatePrefix past the end. */
    @Test
    void afterTruncatePrefixPastTheEndAnAppendAtAnotherIndexBecomesTheFirst() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        appendRange(s, 1, 10, 1, i -> 100);
        assertThat(s.truncatePrefix(20)).isTrue();
        appendRange(s, 25, 27, 2, i -> 100);
        assertThat(s.getFirstLogIndex()).isEqualTo(25);
        assertThat(s.getLastLogIndex()).isEqualTo(27);
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(25);
        assertThat(s.getLastLogIndex()).isEqualTo(27);
        assertAbsent(s, 10);
        assertAbsent(s, 24);
        for (long i = 25; i <= 27; i++) {
            assertEntry(s, i, 2, payload(i, 2, 100));
        }
    }

    // ---------------------------------------------------------------- truncateSuffix

    @Test
    void truncatedSuffixNeverReappearsAfterRestart() {
        SegmentLogStorage s = open(0);
        appendRange(s, 1, 10, 1, i -> 100);
        assertThat(s.truncateSuffix(5)).isTrue();
        assertThat(s.getLastLogIndex()).isEqualTo(5);
        assertAbsent(s, 6);
        assertAbsent(s, 10);
        // different sizes than the truncated records
        assertThat(s.appendEntries(List.of(entry(6, 2, payload(6, 2, 37)), entry(7, 2, payload(7, 2, 250)))))
                .isEqualTo(2);
        assertEntry(s, 6, 2, payload(6, 2, 37));

        s = restart(s, 0);
        assertThat(s.getFirstLogIndex()).isEqualTo(1);
        assertThat(s.getLastLogIndex()).isEqualTo(7);
        for (long i = 1; i <= 5; i++) {
            assertEntry(s, i, 1, payload(i, 1, 100));
        }
        assertEntry(s, 6, 2, payload(6, 2, 37));
        assertEntry(s, 7, 2, payload(7, 2, 250));
        assertAbsent(s, 8);
        assertAbsent(s, 10);
    }

    /**
     * The hard case for a log that finds its end by scanning: the replacement has exactly the sizes of the records it
     * replaces, so the old record 7 starts exactly where the scan looks for the next record after the new 6.
     */
    @Test
    void truncatedSuffixNeverReappearsEvenWhenTheReplacementHasTheSameSize() {
        SegmentLogStorage s = open(0);
        appendRange(s, 1, 10, 1, i -> 100);
        assertThat(s.truncateSuffix(5)).isTrue();
        appendRange(s, 6, 6, 2, i -> 100);

        s = restart(s, 0);
        assertThat(s.getLastLogIndex()).isEqualTo(6);
        assertEntry(s, 6, 2, payload(6, 2, 100));
        assertAbsent(s, 7);
        assertAbsent(s, 10);

        // and once more without appending anything after the truncation
        assertThat(s.truncateSuffix(3)).isTrue();
        s = restart(s, 0);
        assertThat(s.getLastLogIndex()).isEqualTo(3);
        assertAbsent(s, 4);
        assertAbsent(s, 6);
        appendRange(s, 4, 4, 3, i -> 100);
        s = restart(s, 0);
        assertThat(s.getLastLogIndex()).isEqualTo(4);
        assertEntry(s, 4, 3, payload(4, 3, 100));
        assertAbsent(s, 5);
    }

    @Test
    void truncateSuffixIntoAnEarlierSegmentThenRefillingPastTheOldSegmentBoundaries() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        appendRange(s, 1, 120, 1, i -> 150); // ~20 per segment, ~6 segments
        assertThat(s.truncateSuffix(30)).isTrue();
        assertThat(s.getLastLogIndex()).isEqualTo(30);
        assertAbsent(s, 31);
        assertAbsent(s, 120);
        // the same sizes: the new records land exactly where the old ones were, and roll over into
        // segments that have the same first index as the old ones had
        appendRange(s, 31, 70, 2, i -> 150);

        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(1);
        assertThat(s.getLastLogIndex()).isEqualTo(70);
        for (long i = 1; i <= 30; i++) {
            assertEntry(s, i, 1, payload(i, 1, 150));
        }
        for (long i = 31; i <= 70; i++) {
            assertEntry(s, i, 2, payload(i, 2, 150));
        }
        assertAbsent(s, 71);
        assertAbsent(s, 120);
    }

    @Test
    void truncateSuffixToJustBeforeTheFirstEntryEmptiesTheLog() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        appendRange(s, 1, 20, 1, i -> 100);
        assertThat(s.truncatePrefix(6)).isTrue();
        assertThat(s.truncateSuffix(5)).isTrue();
        assertThat(s.getFirstLogIndex()).isEqualTo(6);
        assertThat(s.getLastLogIndex()).isEqualTo(5);
        assertAbsent(s, 6);

        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(6);
        assertThat(s.getLastLogIndex()).isEqualTo(5);
        assertAbsent(s, 6);
        assertAbsent(s, 20);
        appendRange(s, 6, 8, 2, i -> 100);
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(6);
        assertThat(s.getLastLogIndex()).isEqualTo(8);
        assertEntry(s, 6, 2, payload(6, 2, 100));
        assertAbsent(s, 9);
    }

    @Test
    void truncateSuffixAtOrAfterTheLastEntryChangesNothing() {
        SegmentLogStorage s = open(0);
        appendRange(s, 1, 5, 1, i -> 10);
        assertThat(s.truncateSuffix(5)).isTrue();
        assertThat(s.getLastLogIndex()).isEqualTo(5);
        s.truncateSuffix(9);
        assertThat(s.getLastLogIndex()).isEqualTo(5);
        s = restart(s, 0);
        assertThat(s.getLastLogIndex()).isEqualTo(5);
        assertEntry(s, 5, 1, payload(5, 1, 10));
    }

    // ---------------------------------------------------------------- reset

    @Test
    void resetToAnExistingIndexKeepsOnlyThatEntry() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        appendRange(s, 1, 50, 1, i -> 200);
        assertThat(s.reset(30)).isTrue();
        for (int round = 0; round < 2; round++) {
            assertThat(s.getFirstLogIndex()).isEqualTo(30);
            assertThat(s.getLastLogIndex()).isEqualTo(30);
            assertEntry(s, 30, 1, payload(30, 1, 200));
            assertAbsent(s, 29);
            assertAbsent(s, 31);
            assertAbsent(s, 50);
            s = restart(s, SMALL_SEGMENT);
        }
        appendRange(s, 31, 32, 2, i -> 200);
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(30);
        assertThat(s.getLastLogIndex()).isEqualTo(32);
        assertEntry(s, 31, 2, payload(31, 2, 200));
        assertAbsent(s, 33);
    }

    @Test
    void resetBeyondTheLogLeavesANoOpEntryOfTermZero() {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        appendRange(s, 1, 50, 1, i -> 200);
        assertThat(s.reset(1000)).isTrue();
        for (int round = 0; round < 2; round++) {
            assertThat(s.getFirstLogIndex()).isEqualTo(1000);
            assertThat(s.getLastLogIndex()).isEqualTo(1000);
            LogEntry e = s.getEntry(1000);
            assertThat(e).isNotNull();
            assertThat(e.getType()).isEqualTo(EntryType.ENTRY_TYPE_NO_OP);
            assertThat(e.getId()).isEqualTo(new LogId(1000, 0));
            assertThat(bytes(e)).isEmpty();
            assertAbsent(s, 1);
            assertAbsent(s, 50);
            assertAbsent(s, 999);
            assertAbsent(s, 1001);
            s = restart(s, SMALL_SEGMENT);
        }
        appendRange(s, 1001, 1003, 5, i -> 300);
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(1003);
        assertEntry(s, 1003, 5, payload(1003, 5, 300));
    }

    @Test
    void resetOfAFreshLogAndBelowTheFirstIndex() {
        SegmentLogStorage s = open(0);
        assertThat(s.reset(1)).isTrue();
        assertThat(s.getFirstLogIndex()).isEqualTo(1);
        assertThat(s.getLastLogIndex()).isEqualTo(1);
        assertThat(s.getEntry(1).getType()).isEqualTo(EntryType.ENTRY_TYPE_NO_OP);

        appendRange(s, 2, 20, 1, i -> 10);
        assertThat(s.truncatePrefix(10)).isTrue();
        // index 5 is below the first index: not an entry of the log any more, so a NO_OP of term 0
        assertThat(s.reset(5)).isTrue();
        s = restart(s, 0);
        assertThat(s.getFirstLogIndex()).isEqualTo(5);
        assertThat(s.getLastLogIndex()).isEqualTo(5);
        assertThat(s.getEntry(5).getType()).isEqualTo(EntryType.ENTRY_TYPE_NO_OP);
        assertThat(s.getTerm(5)).isZero();
        assertAbsent(s, 6);
        assertAbsent(s, 10);
    }
}
