package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.RangeRequest;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Untimed requests sent before a run's clock starts, so that the client's own warm-up is not measured
 * (etcd's Go tool has none to pay). Each request is a serializable Range of one key ({@code "\0"},
 * keys only, limit 1): a local read on the member, no raft entry, no new revision, nothing stored.
 *
 * <p>First one request per connection, waited for in turn: the first call of a fresh JVM loads and
 * initialises the whole gRPC/Netty/protobuf call path, which took up to a second on a loaded 2-core host.
 * Then {@code calls} more, spread round robin over the connections with {@link #IN_FLIGHT} in flight, so
 * that the JIT has compiled the call path (HTTP/2 framing, HPACK, the stream's state machine) before the
 * first timed request: without them, the first ~1 s of a 1,000/s put run had a mean latency of 20-45 ms
 * against 3-4 ms after, and the run's p99 was 2-4× etcd's tool's (docs/benchmarks.md, "Session 12").
 * The first error ends the warm-up (an endpoint that is down, or a server that wants credentials), so an
 * unreachable member costs one deadline per connection, not one per request; the run itself reports what
 * is wrong with a connection.
 */
final class WarmUp {
    /** Requests in flight during the second phase. */
    static final int IN_FLIGHT = 64;

    private static final RangeRequest PROBE = RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0}))
            .setSerializable(true).setLimit(1).setKeysOnly(true).build();

    private WarmUp() {
    }

    /**
     * Sends the warm-up requests and returns when all sent have been answered or failed (none is sent after
     * the first failure), or after {@code timeoutMs} in any one wait.
     *
     * @param channels the run's connections, not empty
     * @param calls requests after the first one per connection; 0 sends only those
     * @param timeoutMs deadline of each request, and the longest wait for a free in-flight slot
     */
    static void run(List<ManagedChannel> channels, int calls, long timeoutMs) throws InterruptedException {
        AtomicBoolean failed = new AtomicBoolean();
        for (ManagedChannel ch : channels) {
            try {
                KVGrpc.newBlockingStub(ch).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).range(PROBE);
            } catch (RuntimeException e) {
                failed.set(true); // reported by the run
            }
        }
        Semaphore free = new Semaphore(IN_FLIGHT);
        ClosedLoop.Done release = new ClosedLoop.Done() {
            @Override
            public void ok() {
                free.release();
            }

            @Override
            public void failed(Throwable t) {
                failed.set(true);
                free.release();
            }
        };
        for (int i = 0; i < calls && !failed.get(); i++) {
            if (!free.tryAcquire(timeoutMs, TimeUnit.MILLISECONDS)) {
                return;
            }
            KVGrpc.newStub(channels.get(i % channels.size())).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                    .range(PROBE, Unary.of(release));
        }
        free.tryAcquire(IN_FLIGHT, timeoutMs, TimeUnit.MILLISECONDS);
    }
}
