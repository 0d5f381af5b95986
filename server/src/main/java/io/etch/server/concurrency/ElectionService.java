package io.etch.server.concurrency;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import io.etch.api.v3electionpb.CampaignRequest;
import io.etch.api.v3electionpb.CampaignResponse;
import io.etch.api.v3electionpb.ElectionGrpc;
import io.etch.api.v3electionpb.LeaderKey;
import io.etch.api.v3electionpb.LeaderRequest;
import io.etch.api.v3electionpb.LeaderResponse;
import io.etch.api.v3electionpb.ProclaimRequest;
import io.etch.api.v3electionpb.ProclaimResponse;
import io.etch.api.v3electionpb.ResignRequest;
import io.etch.api.v3electionpb.ResignResponse;
import io.etch.server.api.Calls;
import io.etch.server.api.ErrorTable;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code v3electionpb.Election} service ({@code etcdserver/api/v3election/election.go} over
 * {@code clientv3/concurrency/election.go}). A candidate's key is {@code <name>/<lease hex>}; the leader
 * is the key with the lowest create revision under {@code <name>/}. Errors that etcd returns as plain Go
 * errors reach clients as {@code Unknown} with etcd's text.
 */
public final class ElectionService extends ElectionGrpc.ElectionImplBase {
    static final String ERR_NO_LEADER = "election: no leader";
    static final String ERR_NOT_LEADER = "election: not leader";
    static final String ERR_MISSING_LEADER_KEY = "\"leader\" field must be provided";
    private static final long SESSION_TTL_SECONDS = 60;

    private final LocalClient client;

    ElectionService(LocalClient client) {
        this.client = client;
    }

    private static ByteString prefix(ByteString name) {
        return name.concat(ByteString.copyFromUtf8("/"));
    }

    private static RuntimeException unknown(String message) {
        return Status.UNKNOWN.withDescription(message).asRuntimeException();
    }

    @Override
    public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> out) {
        CompletableFuture<Void> abandon = new CompletableFuture<>();
        if (out instanceof ServerCallStreamObserver<CampaignResponse> call) {
            call.setOnCancelHandler(() -> abandon.complete(null));
        }
        CompletableFuture<Long> lease = request.getLease() != 0
                ? CompletableFuture.completedFuture(request.getLease())
                : client.grant(SESSION_TTL_SECONDS);
        Calls.unary(out, () -> lease.thenCompose(id -> campaign(request, id, abandon)));
    }

    private CompletableFuture<CampaignResponse> campaign(CampaignRequest req, long lease, CompletableFuture<Void> abandon) {
        ByteString prefix = prefix(req.getName());
        ByteString key = prefix.concat(ByteString.copyFrom(Long.toHexString(lease), StandardCharsets.UTF_8));
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(LocalClient.createRevisionIs(key, 0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(key).setValue(req.getValue()).setLease(lease)))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
                .build();
        return client.txn(txn).thenCompose(resp -> {
            long leaderRev = resp.getHeader().getRevision();
            CompletableFuture<Void> proclaimed = CompletableFuture.completedFuture(null);
            if (!resp.getSucceeded()) {
                KeyValue kv = resp.getResponses(0).getResponseRange().getKvs(0);
                leaderRev = kv.getCreateRevision();
                if (!kv.getValue().equals(req.getValue())) {
                    long rev = leaderRev;
                    proclaimed = proclaim(key, rev, lease, req.getValue()).thenApply(h -> null);
                }
            }
            long rev = leaderRev;
            LeaderKey leader = LeaderKey.newBuilder().setName(req.getName()).setKey(key).setRev(rev).setLease(lease).build();
            CompletableFuture<CampaignResponse> won = proclaimed
                    .thenCompose(v -> client.waitDeletes(prefix, rev - 1, abandon))
                    .thenApply(h -> CampaignResponse.newBuilder().setHeader(resp.getHeader()).setLeader(leader).build());
            won.whenComplete((r, e) -> {
                if (e != null && abandon.isDone()) {
                    resign(key, rev); // etcd resigns when the campaign's context ends
                }
            });
            return won;
        });
    }

    private CompletableFuture<ResponseHeader> proclaim(ByteString key, long rev, long lease, ByteString value) {
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(LocalClient.createRevisionIs(key, rev))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease)))
                .build();
        return client.txn(txn).thenApply(resp -> {
            if (!resp.getSucceeded()) {
                throw unknown(ERR_NOT_LEADER);
            }
            return resp.getHeader();
        });
    }

    private CompletableFuture<ResponseHeader> resign(ByteString key, long rev) {
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(LocalClient.createRevisionIs(key, rev))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)))
                .build();
        return client.txn(txn).thenApply(resp -> resp.getHeader());
    }

    @Override
    public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> out) {
        if (!request.hasLeader()) {
            out.onError(unknown(ERR_MISSING_LEADER_KEY));
            return;
        }
        LeaderKey l = request.getLeader();
        Calls.unary(out, () -> proclaim(l.getKey(), l.getRev(), l.getLease(), request.getValue())
                .thenApply(h -> ProclaimResponse.newBuilder().setHeader(h).build()));
    }

    @Override
    public void resign(ResignRequest request, StreamObserver<ResignResponse> out) {
        if (!request.hasLeader()) {
            out.onError(unknown(ERR_MISSING_LEADER_KEY));
            return;
        }
        LeaderKey l = request.getLeader();
        Calls.unary(out, () -> resign(l.getKey(), l.getRev())
                .thenApply(h -> ResignResponse.newBuilder().setHeader(h).build()));
    }

    @Override
    public void leader(LeaderRequest request, StreamObserver<LeaderResponse> out) {
        Calls.unary(out, () -> client.range(LocalClient.firstCreate(prefix(request.getName())))
                .thenApply(r -> {
                    if (r.getKvsCount() == 0) {
                        throw unknown(ERR_NO_LEADER);
                    }
                    return LeaderResponse.newBuilder().setHeader(r.getHeader()).setKv(r.getKvs(0)).build();
                }));
    }

    @Override
    public void observe(LeaderRequest request, StreamObserver<LeaderResponse> out) {
        Observer o = new Observer(prefix(request.getName()), out);
        if (out instanceof ServerCallStreamObserver<LeaderResponse> call) {
            call.setOnCancelHandler(o::stop);
        }
        o.next();
    }

    /**
     * etcd's {@code Election.observe} loop: send the current leader (waiting for the first PUT when there
     * is none), then every change of the leader key until it is deleted, then look again.
     */
    private final class Observer {
        private final ByteString prefix;
        private final StreamObserver<LeaderResponse> out;
        private volatile LocalClient.Watch watch;
        private volatile boolean stopped;

        Observer(ByteString prefix, StreamObserver<LeaderResponse> out) {
            this.prefix = prefix;
            this.out = out;
        }

        void stop() {
            stopped = true;
            LocalClient.Watch w = watch;
            if (w != null) {
                w.close();
            }
        }

        void next() {
            if (stopped) {
                return;
            }
            client.range(LocalClient.firstCreate(prefix)).whenComplete((resp, err) -> {
                if (err != null) {
                    fail(err);
                } else if (resp.getKvsCount() == 0) {
                    waitForFirstPut(resp.getHeader());
                } else {
                    leaderFound(resp.getHeader(), resp.getKvs(0));
                }
            });
        }

        private void waitForFirstPut(ResponseHeader header) {
            KeyValue[] found = new KeyValue[1];
            watch = client.watch(prefix, true, header.getRevision(), (ev, rev) -> {
                if (ev.getType() == Event.EventType.PUT) {
                    found[0] = ev.getKv();
                    return true;
                }
                return false;
            });
            watch.done().whenComplete((v, e) -> {
                if (e != null) {
                    fail(e);
                } else {
                    leaderFound(header.toBuilder().setRevision(found[0].getModRevision()).build(), found[0]);
                }
            });
        }

        private void leaderFound(ResponseHeader header, KeyValue kv) {
            if (stopped) {
                return;
            }
            send(header, kv);
            watch = client.watch(kv.getKey(), false, header.getRevision() + 1, (ev, rev) -> {
                if (ev.getType() == Event.EventType.DELETE) {
                    return true;
                }
                send(header.toBuilder().setRevision(rev).build(), ev.getKv());
                return false;
            });
            watch.done().whenComplete((v, e) -> {
                if (e != null) {
                    fail(e);
                } else {
                    next();
                }
            });
        }

        private synchronized void send(ResponseHeader header, KeyValue kv) {
            if (!stopped) {
                out.onNext(LeaderResponse.newBuilder().setHeader(header).setKv(kv).build());
            }
        }

        private synchronized void fail(Throwable e) {
            if (!stopped) {
                stopped = true;
                out.onError(ErrorTable.toStatus(e));
            }
        }
    }
}
