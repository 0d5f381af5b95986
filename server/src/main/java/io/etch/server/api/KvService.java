package io.etch.server.api;

import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.CompactionResponse;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.etchpb.RaftCommand;
import io.etch.storage.KvRequestValidator;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * etcd's {@code etcdserverpb.KV} service (etcd {@code v3rpc/key.go} + {@code v3_server.go}). Each call:
 * validate → read locally (serializable), after a read index (linearizable), or through raft (writes)
 * → map errors at the edge → fill the header.
 */
public final class KvService extends KVGrpc.KVImplBase {
    private final MemberContext member;

    public KvService(MemberContext member) {
        this.member = member;
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
        Calls.unary(out, () -> {
            KvRequestValidator.checkRange(request);
            CompletableFuture<Void> ready = request.getSerializable()
                    ? CompletableFuture.completedFuture(null)
                    : member.raft().readBarrier();
            return ready.thenApply(v -> {
                RangeResponse r = member.stores().read(s -> s.range(request));
                return r.toBuilder().setHeader(member.header(r.getHeader().getRevision())).build();
            });
        });
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> out) {
        write(out, () -> {
            KvRequestValidator.checkPut(request);
            return RaftCommand.newBuilder().setPut(request);
        }, r -> {
            PutResponse p = r.getPut();
            return p.toBuilder().setHeader(member.header(p.getHeader().getRevision())).build();
        });
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
        write(out, () -> {
            KvRequestValidator.checkDeleteRange(request);
            return RaftCommand.newBuilder().setDeleteRange(request);
        }, r -> {
            DeleteRangeResponse d = r.getDeleteRange();
            return d.toBuilder().setHeader(member.header(d.getHeader().getRevision())).build();
        });
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
        write(out, () -> {
            KvRequestValidator.checkTxn(request, member.config().maxTxnOps());
            return RaftCommand.newBuilder().setTxn(request);
        }, r -> {
            TxnResponse t = r.getTxn();
            return t.toBuilder().setHeader(member.header(t.getHeader().getRevision())).build();
        });
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
        write(out, () -> RaftCommand.newBuilder().setCompaction(request), r -> {
            CompactionResponse c = r.getCompaction();
            return c.toBuilder().setHeader(member.header(c.getHeader().getRevision())).build();
        });
    }

    private <T> void write(StreamObserver<T> out, Supplier<RaftCommand.Builder> command,
                           java.util.function.Function<io.etch.api.etchpb.RaftResult, T> response) {
        Calls.unary(out, () -> member.propose(command.get()).thenApply(response));
    }
}
