package io.etch.server.concurrency;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.v3lockpb.LockGrpc;
import io.etch.api.v3lockpb.LockRequest;
import io.etch.api.v3lockpb.LockResponse;
import io.etch.api.v3lockpb.UnlockRequest;
import io.etch.api.v3lockpb.UnlockResponse;
import io.etch.server.api.Calls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code v3lockpb.Lock} service ({@code etcdserver/api/v3lock/lock.go} over
 * {@code clientv3/concurrency/mutex.go}): a lock is the key {@code <name>/<lease hex>} attached to the
 * caller's lease; the owner is the key with the lowest create revision under {@code <name>/}; a
 * contender waits for every key created before its own to be deleted. With lease 0 a 60 s lease is
 * granted, as etcd's session does. A call cancelled while waiting removes its key.
 */
public final class LockService extends LockGrpc.LockImplBase {
    private static final long SESSION_TTL_SECONDS = 60;
    private final LocalClient client;

    LockService(LocalClient client) {
        this.client = client;
    }

    @Override
    public void lock(LockRequest request, StreamObserver<LockResponse> out) {
        ByteString prefix = request.getName().concat(ByteString.copyFromUtf8("/"));
        CompletableFuture<Long> lease = request.getLease() != 0
                ? CompletableFuture.completedFuture(request.getLease())
                : client.grant(SESSION_TTL_SECONDS);
        CompletableFuture<Void> abandon = new CompletableFuture<>();
        if (out instanceof ServerCallStreamObserver<LockResponse> call) {
            call.setOnCancelHandler(() -> abandon.complete(null));
        }
        Calls.unary(out, () -> lease.thenCompose(id -> acquire(prefix, id, abandon)));
    }

    private CompletableFuture<LockResponse> acquire(ByteString prefix, long lease, CompletableFuture<Void> abandon) {
        ByteString myKey = prefix.concat(ByteString.copyFrom(Long.toHexString(lease), StandardCharsets.UTF_8));
        RequestOp getOwner = RequestOp.newBuilder().setRequestRange(LocalClient.firstCreate(prefix)).build();
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(LocalClient.createRevisionIs(myKey, 0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(myKey).setLease(lease)))
                .addSuccess(getOwner)
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(myKey)))
                .addFailure(getOwner)
                .build();
        return client.txn(txn).thenCompose(resp -> {
            long myRev = resp.getSucceeded()
                    ? resp.getHeader().getRevision()
                    : resp.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
            var owner = resp.getResponses(1).getResponseRange().getKvsList();
            if (owner.isEmpty() || owner.get(0).getCreateRevision() == myRev) {
                return CompletableFuture.completedFuture(
                        LockResponse.newBuilder().setHeader(resp.getHeader()).setKey(myKey).build());
            }
            CompletableFuture<LockResponse> waited = client.waitDeletes(prefix, myRev - 1, abandon)
                    .thenApply(hdr -> LockResponse.newBuilder().setHeader(hdr).setKey(myKey).build());
            waited.whenComplete((r, e) -> {
                if (e != null) {
                    client.delete(myKey); // etcd's Mutex.Lock unlocks when waiting fails
                }
            });
            return waited;
        });
    }

    @Override
    public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> out) {
        Calls.unary(out, () -> client.delete(request.getKey())
                .thenApply(r -> UnlockResponse.newBuilder().setHeader(r.getHeader()).build()));
    }
}
