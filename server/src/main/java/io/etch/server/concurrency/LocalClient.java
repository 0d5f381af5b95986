package io.etch.server.concurrency;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrantResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.server.api.KvService;
import io.etch.server.api.LeaseService;
import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import io.etch.storage.KeyRange;
import io.etch.storage.watch.WatchStream;
import io.etch.storage.watch.WatchableStore;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * The member talking to itself, the way etcd's lock and election servers use an in-process clientv3
 * ({@code etcdserver/api/v3client}): every call goes through the same service objects as a remote
 * client's, so validation, raft, errors and headers are identical. Asynchronous; thread-safe.
 */
final class LocalClient {
    private final KvService kv;
    private final LeaseService lease;
    private final WatchableStore watchable;

    LocalClient(KvService kv, LeaseService lease, WatchableStore watchable) {
        this.kv = kv;
        this.lease = lease;
        this.watchable = watchable;
    }

    CompletableFuture<TxnResponse> txn(TxnRequest req) {
        return call(kv::txn, req);
    }

    CompletableFuture<RangeResponse> range(RangeRequest req) {
        return call(kv::range, req);
    }

    CompletableFuture<DeleteRangeResponse> delete(ByteString key) {
        return call(kv::deleteRange, DeleteRangeRequest.newBuilder().setKey(key).build());
    }

    /** Grants a lease with a server-chosen ID (a session's lease, etcd's default TTL 60 s). */
    CompletableFuture<Long> grant(long ttlSeconds) {
        CompletableFuture<LeaseGrantResponse> f = call(lease::leaseGrant,
                LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build());
        return f.thenApply(LeaseGrantResponse::getID);
    }

    private static <Q, R> CompletableFuture<R> call(BiConsumer<Q, StreamObserver<R>> method, Q request) {
        CompletableFuture<R> out = new CompletableFuture<>();
        method.accept(request, new StreamObserver<>() {
            @Override
            public void onNext(R value) {
                out.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                out.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                out.completeExceptionally(new IllegalStateException("no response"));
            }
        });
        return out;
    }

    /**
     * Watches {@code key} (or the prefix {@code key} when {@code prefix}) from revision {@code fromRev} and
     * hands every event to {@code onEvent} with its response's header revision, until {@code onEvent}
     * returns true or the returned watch is closed. A watch cancelled by compaction fails with
     * {@code COMPACTED}.
     */
    Watch watch(ByteString key, boolean prefix, long fromRev, EventHandler onEvent) {
        return new Watch(key, prefix, fromRev, onEvent);
    }

    /**
     * Completes when {@code key} is deleted at or after revision {@code rev} (etcd {@code waitDelete}); fails
     * with {@code WATCH_CANCELED} as soon as {@code abandon} completes (the caller went away).
     */
    CompletableFuture<Void> waitDelete(ByteString key, long rev, CompletableFuture<?> abandon) {
        Watch w = watch(key, false, rev, (ev, headerRev) -> ev.getType() == Event.EventType.DELETE);
        abandon.whenComplete((v, e) -> w.close());
        return w.done();
    }

    /**
     * Completes with the header of an empty range once no key under {@code prefix} with create revision
     * at most {@code maxCreateRev} is left (etcd {@code concurrency.waitDeletes}).
     */
    CompletableFuture<io.etch.api.etcdserverpb.ResponseHeader> waitDeletes(ByteString prefix, long maxCreateRev,
                                                                         CompletableFuture<?> abandon) {
        RangeRequest last = RangeRequest.newBuilder()
                .setKey(prefix).setRangeEnd(ByteString.copyFrom(KeyRange.prefixEnd(prefix.toByteArray())))
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND)
                .setLimit(1).setMaxCreateRevision(maxCreateRev).build();
        return range(last).thenCompose(r -> r.getKvsCount() == 0
                ? CompletableFuture.completedFuture(r.getHeader())
                : waitDelete(r.getKvs(0).getKey(), r.getHeader().getRevision(), abandon)
                        .thenCompose(v -> waitDeletes(prefix, maxCreateRev, abandon)));
    }

    /** Receives watch events; returns true to finish the watch. */
    interface EventHandler {
        boolean onEvent(Event event, long headerRevision);
    }

    /** One internal watch; {@link #close()} stops it (the future then fails with {@code WATCH_CANCELED}). */
    final class Watch implements AutoCloseable {
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private final AtomicReference<WatchStream> stream = new AtomicReference<>();
        private final EventHandler handler;

        private Watch(ByteString key, boolean prefix, long fromRev, EventHandler handler) {
            this.handler = handler;
            WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder().setKey(key).setStartRevision(fromRev);
            if (prefix) {
                create.setRangeEnd(ByteString.copyFrom(KeyRange.prefixEnd(key.toByteArray())));
            }
            WatchStream s = watchable.newStream(this::drain);
            stream.set(s);
            done.whenComplete((v, e) -> s.close());
            s.watch(create.build());
            drain();
        }

        CompletableFuture<Void> done() {
            return done;
        }

        private synchronized void drain() {
            WatchStream s = stream.get();
            if (s == null || done.isDone()) {
                return;
            }
            WatchResponse r;
            while ((r = s.poll()) != null) {
                if (r.getCanceled()) {
                    done.completeExceptionally(new EtcdException(
                            r.getCompactRevision() != 0 ? EtcdError.COMPACTED : EtcdError.WATCH_CANCELED));
                    return;
                }
                for (Event ev : r.getEventsList()) {
                    if (handler.onEvent(ev, r.getHeader().getRevision())) {
                        done.complete(null);
                        return;
                    }
                }
            }
        }

        @Override
        public void close() {
            done.completeExceptionally(new EtcdException(EtcdError.WATCH_CANCELED));
        }
    }

    /** {@code create_revision(key) == rev} as a txn compare. */
    static Compare createRevisionIs(ByteString key, long rev) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(rev).build();
    }

    /** The first key by create revision under {@code prefix} (clientv3 {@code WithFirstCreate}). */
    static RangeRequest firstCreate(ByteString prefix) {
        return RangeRequest.newBuilder().setKey(prefix)
                .setRangeEnd(ByteString.copyFrom(KeyRange.prefixEnd(prefix.toByteArray())))
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.ASCEND)
                .setLimit(1).build();
    }
}
