package io.etch.raft.log;

import com.alipay.sofa.jraft.conf.ConfigurationManager;
import com.alipay.sofa.jraft.entity.EnumOutter;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.LogId;
import com.alipay.sofa.jraft.entity.codec.v2.LogEntryV2CodecFactory;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Not a test: a benchmark of one raft log append (synced) in {@link SegmentLogStorage} against jraft's
 * {@link RocksDBLogStorage}, on the disk of a given directory. Latency percentiles are over the last 80 % of
 * the appends (the first 20 % warm the JIT); CPU is the whole process's, per append. See
 * docs/benchmarks.md, "Session 7". Run:
 * <pre>
 * mvn -q -o -pl raft test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp raft/target/test-classes:raft/target/classes:$(cat /tmp/cp.txt) io.etch.raft.log.LogAppendBench \
 *     seg|rocks APPENDS ENTRIES_PER_APPEND [DIR]
 * </pre>
 */
public final class LogAppendBench {
    private LogAppendBench() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        int appends = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        Path parent = Path.of(args.length > 3 ? args[3] : System.getProperty("java.io.tmpdir"));
        Path dir = Files.createTempDirectory(parent, "log-bench-" + kind);
        RaftOptions raftOptions = new RaftOptions();
        raftOptions.setSync(true);
        LogStorage log = kind.equals("rocks") ? new RocksDBLogStorage(dir.toString(), raftOptions)
                : new SegmentLogStorage(dir, true);
        LogStorageOptions opts = new LogStorageOptions();
        opts.setConfigurationManager(new ConfigurationManager());
        opts.setLogEntryCodecFactory(LogEntryV2CodecFactory.getInstance());
        opts.setGroupId("bench");
        if (!log.init(opts)) {
            throw new IllegalStateException("cannot open the log in " + dir);
        }
        byte[] data = new byte[300]; // about one put of the benchmark: 8-byte key, 256-byte value
        new Random(1).nextBytes(data);
        long[] nanos = new long[appends];
        long index = 1;
        long cpu0 = processCpuNanos();
        for (int i = 0; i < appends; i++) {
            List<LogEntry> entries = new ArrayList<>(batch);
            for (int j = 0; j < batch; j++) {
                LogEntry e = new LogEntry(EnumOutter.EntryType.ENTRY_TYPE_DATA);
                e.setId(new LogId(index++, 1));
                e.setData(ByteBuffer.wrap(data));
                entries.add(e);
            }
            long start = System.nanoTime();
            if (log.appendEntries(entries) != batch) {
                throw new IllegalStateException("append failed");
            }
            nanos[i] = System.nanoTime() - start;
        }
        long cpu = processCpuNanos() - cpu0;
        log.shutdown();
        long[] w = Arrays.copyOfRange(nanos, appends / 5, appends);
        Arrays.sort(w);
        System.out.printf("%s, %d entries per append, %d appends: p50 %.0f us, p90 %.0f us, p99 %.0f us,"
                        + " avg %.0f us; process CPU %.0f us per append%n", kind, batch, appends,
                w[w.length / 2] / 1e3, w[(int) (w.length * 0.9)] / 1e3, w[(int) (w.length * 0.99)] / 1e3,
                Arrays.stream(w).average().orElse(0) / 1e3, cpu / 1e3 / appends);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
