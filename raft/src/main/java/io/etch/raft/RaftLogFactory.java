package io.etch.raft;

import com.alipay.sofa.jraft.core.DefaultJRaftServiceFactory;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import io.etch.raft.log.SegmentLogStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jraft's services with Etch's raft log: {@link SegmentLogStorage}. A log directory that holds a RocksDB
 * database ({@code CURRENT}), written by an Etch before the segment log, stays on jraft's
 * {@link RocksDBLogStorage} so that its entries are not lost.
 */
final class RaftLogFactory extends DefaultJRaftServiceFactory {
    private static final Logger LOG = LoggerFactory.getLogger(RaftLogFactory.class);
    private volatile LogStorage created;
    private volatile LongConsumer appended = index -> { };

    @Override
    public LogStorage createLogStorage(String uri, RaftOptions raftOptions) {
        Path dir = Path.of(uri);
        if (Files.exists(dir.resolve("CURRENT"))) {
            LOG.warn("raft log in {} is a RocksDB database (written by an earlier Etch): kept on RocksDB", dir);
            created = new RocksDBLogStorage(uri, raftOptions);
        } else {
            SegmentLogStorage log = new SegmentLogStorage(dir, raftOptions.isSync());
            log.onAppended(index -> appended.accept(index));
            created = log;
        }
        return created;
    }

    /**
     * Sets what runs after each append to the log this factory creates made entries durable, with the last
     * index, on jraft's log manager thread (see {@link SegmentLogStorage#onAppended}); must be quick. A log
     * kept on RocksDB never calls it.
     */
    void onAppended(LongConsumer listener) {
        appended = listener;
    }

    /**
     * The term of the entry at {@code index} in the durable log this factory created (what jraft's log
     * manager has flushed; entries still in its memory are not seen).
     *
     * @return the term; 0 when the log has no entry there or none was created yet
     */
    @SuppressWarnings("deprecation") // LogStorage#getTerm: jraft deprecates it for its own callers only
    long termInLog(long index) {
        LogStorage log = created;
        return log == null ? 0 : log.getTerm(index);
    }
}
