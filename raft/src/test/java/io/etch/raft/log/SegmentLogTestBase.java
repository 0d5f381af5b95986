package io.etch.raft.log;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link SegmentLogStorage} test class shares: a temporary directory, a {@link LogFixture} that opens
 * logs in it (or in {@link #logDir} when a test sets one), and closing every log it opened after each test.
 */
abstract class SegmentLogTestBase {
    @TempDir
    Path dir;
    /** Where {@link #open} opens the log: {@link #dir} while null, else here (a fresh directory per randomised run). */
    Path logDir;

    final LogFixture logs = new LogFixture(() -> logDir != null ? logDir : dir);

    @AfterEach
    void shutdownAll() {
        logs.closeAll();
    }

    /** Opens a synced log with segments of {@code segmentBytes} (0: the default size). */
    SegmentLogStorage open(int segmentBytes) {
        return logs.open(segmentBytes, true);
    }

    SegmentLogStorage open(int segmentBytes, boolean sync) {
        return logs.open(segmentBytes, sync);
    }

    void close(SegmentLogStorage s) {
        logs.close(s);
    }

    /** Closes {@code s} and opens the same directory again. */
    SegmentLogStorage restart(SegmentLogStorage s, int segmentBytes) {
        return logs.restart(s, segmentBytes);
    }
}
