package io.etch.raft;

import io.etch.api.etchpb.Empty;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftResult;
import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import io.etch.storage.WriteTxn;

/**
 * Applies one committed {@link RaftCommand} to the store: a single dispatch on the command's oneof
 * (etcd {@code etcdserver/apply.go} {@code applierV3backend.Apply}). Deterministic: no clock, no
 * network. Client-visible failures become {@code RaftResult.error}; anything else propagates and
 * stops the state machine.
 */
final class CommandApplier {
    private final MemberDirectory members;

    CommandApplier(MemberDirectory members) {
        this.members = members;
    }

    RaftResult apply(WriteTxn txn, RaftCommand cmd) {
        try {
            RaftResult.Builder result = RaftResult.newBuilder();
            switch (cmd.getOpCase()) {
                case PUT -> result.setPut(txn.put(cmd.getPut()));
                case DELETE_RANGE -> result.setDeleteRange(txn.deleteRange(cmd.getDeleteRange()));
                case TXN -> result.setTxn(txn.txn(cmd.getTxn()));
                case COMPACTION -> result.setCompaction(txn.compact(cmd.getCompaction()));
                case LEASE_GRANT -> result.setLeaseGrant(txn.leaseGrant(cmd.getLeaseGrant()));
                case LEASE_REVOKE -> result.setLeaseRevoke(txn.leaseRevoke(cmd.getLeaseRevoke()));
                case MEMBER_ATTRIBUTES -> {
                    members.apply(txn, cmd.getMemberAttributes());
                    result.setEmpty(Empty.getDefaultInstance());
                }
                default -> throw new EtcdException(EtcdError.NOT_CAPABLE);
            }
            return result.build();
        } catch (EtcdException e) {
            return RaftResult.newBuilder().setError(e.error().name()).build();
        }
    }
}
