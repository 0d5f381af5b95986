package io.etch.server.api;

import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftResult;
import io.etch.raft.RaftMember;
import io.etch.raft.StoreHolder;
import io.etch.server.config.ServerConfig;
import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import java.util.concurrent.CompletableFuture;

/**
 * What every API service of one member shares: its configuration, store and raft member, and the
 * rules for response headers (reference §3.1, etcd {@code v3rpc/header.go}).
 */
public final class MemberContext {
    private final ServerConfig config;
    private final StoreHolder stores;
    private final RaftMember raft;

    public MemberContext(ServerConfig config, StoreHolder stores, RaftMember raft) {
        this.config = config;
        this.stores = stores;
        this.raft = raft;
    }

    public ServerConfig config() {
        return config;
    }

    public StoreHolder stores() {
        return stores;
    }

    public RaftMember raft() {
        return raft;
    }

    /** {cluster_id, member_id, raft_term} without a revision: the Cluster RPCs' header. */
    public ResponseHeader.Builder headerWithoutRevision() {
        return ResponseHeader.newBuilder()
                .setClusterId(raft.clusterId())
                .setMemberId(raft.memberId())
                .setRaftTerm(raft.term());
    }

    /** The full header with {@code revision}. */
    public ResponseHeader header(long revision) {
        return headerWithoutRevision().setRevision(revision).build();
    }

    /** The full header at the store's current revision. */
    public ResponseHeader currentHeader() {
        return header(stores.read(s -> s.currentRevision()));
    }

    /**
     * Proposes {@code command} after checking its size against {@code --max-request-bytes}
     * (etcd {@code processInternalRaftRequestOnce}: {@code request is too large}).
     *
     * @return the apply result; completes exceptionally with {@link EtcdException} when raft failed or
     *     the applied command produced an etcd error
     */
    public CompletableFuture<RaftResult> propose(RaftCommand.Builder command) {
        if (command.build().getSerializedSize() > config.maxRequestBytes()) {
            return CompletableFuture.failedFuture(new EtcdException(EtcdError.REQUEST_TOO_LARGE));
        }
        return raft.propose(command).thenApply(r -> {
            if (!r.getError().isEmpty()) {
                throw new EtcdException(EtcdError.valueOf(r.getError()));
            }
            return r;
        });
    }
}
