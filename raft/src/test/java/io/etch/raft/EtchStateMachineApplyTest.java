package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftResult;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EtchStateMachine#onApply}: committed entries are applied in bounded store transactions. */
class EtchStateMachineApplyTest {
    @TempDir
    Path tmp;

    /** jraft's iterator over entries 1..n: as a follower sees them (no closures), or with the leader's. */
    private static class Entries implements Iterator {
        private final List<RaftCommand> commands;
        private final List<Closure> closures;
        private int i;

        Entries(List<RaftCommand> commands) {
            this(commands, java.util.Collections.nCopies(commands.size(), null));
        }

        Entries(List<RaftCommand> commands, List<Closure> closures) {
            this.commands = commands;
            this.closures = closures;
        }

        @Override
        public boolean hasNext() {
            return i < commands.size();
        }

        @Override
        public ByteBuffer next() {
            i++;
            return null;
        }

        @Override
        public ByteBuffer getData() {
            return ByteBuffer.wrap(commands.get(i).toByteArray());
        }

        @Override
        public long getIndex() {
            return i + 1;
        }

        @Override
        public long getTerm() {
            return 1;
        }

        @Override
        public Closure done() {
            return closures.get(i);
        }

        @Override
        public void setAutoCommitPerLog(boolean status) {
        }

        @Override
        public boolean commit() {
            return false;
        }

        @Override
        public void commitAndSnapshotSync(Closure done) {
        }

        @Override
        public void setErrorAndRollback(long ntail, Status st) {
            throw new AssertionError("apply failed: " + st);
        }
    }

    private static RaftCommand put(String k) {
        return RaftCommand.newBuilder().setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))
                .setValue(ByteString.copyFromUtf8("v"))).build();
    }

    private static DeleteRangeRequest del(String k, String end) {
        return DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))
                .setRangeEnd(ByteString.copyFromUtf8(end)).build();
    }

    /** Applies the commands as one onApply; returns the consistent index after each store commit. */
    private List<Long> apply(List<RaftCommand> commands) throws Exception {
        List<Long> commits = new ArrayList<>();
        try (StoreHolder stores = new StoreHolder(tmp.resolve("kv"))) {
            ClusterMember self = new ClusterMember(1, "m1", List.of("http://127.0.0.1:1"));
            EtchStateMachine fsm = new EtchStateMachine(stores, new MemberDirectory(), List.of(self),
                    new RaftRoleListener(), commits::add);
            fsm.onApply(new Entries(commands));
            long applied = stores.read(s -> s.consistentIndex());
            assertThat(applied).isEqualTo(commands.size());
        }
        return commits;
    }

    /**
     * On a follower (no closures), the entry of a write this member forwarded completes that write with the
     * result of applying it here, with its index and term; an entry of another member's, or a forwarded write
     * already answered, is not looked for again.
     */
    @Test
    void aForwardedWriteIsAnsweredByThisMembersOwnApply() throws Exception {
        try (StoreHolder stores = new StoreHolder(tmp.resolve("kv"))) {
            ClusterMember self = new ClusterMember(1, "m1", List.of("http://127.0.0.1:1"));
            ForwardedProposals forwarded = new ForwardedProposals();
            java.util.concurrent.CompletableFuture<RaftResult> mine = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<RaftResult> answered = new java.util.concurrent.CompletableFuture<>();
            forwarded.watch(41, mine);
            forwarded.watch(43, answered);
            answered.complete(RaftResult.getDefaultInstance()); // the leader's result came first
            EtchStateMachine fsm = new EtchStateMachine(stores, new MemberDirectory(), List.of(self),
                    new RaftRoleListener(), index -> { }, forwarded);
            fsm.onApply(new Entries(List.of(put("a").toBuilder().setId(40).build(), put("b").toBuilder().setId(41).build(),
                    put("c").toBuilder().setId(43).build())) {
                @Override
                public long getTerm() {
                    return 7;
                }
            });
            RaftResult r = mine.getNow(null);
            assertThat(r).isNotNull();
            assertThat(List.of(r.getRaftIndex(), r.getRaftTerm(), r.getPut().getHeader().getRevision()))
                    .containsExactly(2L, 7L, 3L);
            assertThat(answered.getNow(null)).isEqualTo(RaftResult.getDefaultInstance());
            assertThat(forwarded.take(41)).isNull();
            assertThat(forwarded.take(43)).isNull();
        }
    }

    /**
     * A proposal completes with its entry's raft index and term (a follower that forwarded it learns from
     * them that the entry is committed: CommitLearner), and a proposal's closure is not run as well.
     */
    @Test
    void aProposalCompletesWithTheIndexAndTermOfItsEntry() throws Exception {
        try (StoreHolder stores = new StoreHolder(tmp.resolve("kv"))) {
            ClusterMember self = new ClusterMember(1, "m1", List.of("http://127.0.0.1:1"));
            ProposalClosure first = new ProposalClosure();
            ProposalClosure second = new ProposalClosure();
            EtchStateMachine fsm = new EtchStateMachine(stores, new MemberDirectory(), List.of(self),
                    new RaftRoleListener(), index -> { });
            fsm.onApply(new Entries(List.of(put("a"), put("b"), put("c")), java.util.Arrays.asList(null, first, second)) {
                @Override
                public long getTerm() {
                    return 7;
                }
            });
            RaftResult r1 = first.future().get();
            RaftResult r2 = second.future().get();
            assertThat(List.of(r1.getRaftIndex(), r1.getRaftTerm(), r2.getRaftIndex(), r2.getRaftTerm()))
                    .containsExactly(2L, 7L, 3L, 7L);
            assertThat(r2.getPut().getHeader().getRevision()).isEqualTo(4);
        }
    }

    @Test
    void aLongRunOfEntriesIsCommittedInChunks() throws Exception {
        List<RaftCommand> commands = new ArrayList<>();
        for (int i = 0; i < EtchStateMachine.CHUNK_MAX_ENTRIES + 10; i++) {
            commands.add(put("k" + i));
        }
        assertThat(apply(commands)).containsExactly((long) EtchStateMachine.CHUNK_MAX_ENTRIES,
                (long) commands.size());
    }

    @Test
    void aCommandThatMayDeleteManyKeysStartsAStoreTransactionOfItsOwn() throws Exception {
        RaftCommand ranged = RaftCommand.newBuilder().setDeleteRange(del("a", "z")).build();
        RaftCommand single = RaftCommand.newBuilder().setDeleteRange(del("a", "")).build();
        assertThat(apply(List.of(put("a"), put("b"), ranged, put("c"), single, put("d"))))
                .containsExactly(2L, 6L);
    }

    @Test
    void whichCommandsMayDeleteMany() {
        RequestOp rangedOp = RequestOp.newBuilder().setRequestDeleteRange(del("a", "z")).build();
        RequestOp singleOp = RequestOp.newBuilder().setRequestDeleteRange(del("a", "")).build();
        TxnRequest nested = TxnRequest.newBuilder().addFailure(RequestOp.newBuilder()
                .setRequestTxn(TxnRequest.newBuilder().addSuccess(rangedOp))).build();
        assertThat(EtchStateMachine.mayDeleteMany(RaftCommand.newBuilder().setTxn(nested).build())).isTrue();
        assertThat(EtchStateMachine.mayDeleteMany(RaftCommand.newBuilder()
                .setTxn(TxnRequest.newBuilder().addSuccess(singleOp)).build())).isFalse();
        assertThat(EtchStateMachine.mayDeleteMany(RaftCommand.newBuilder()
                .setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(1)).build())).isTrue();
        assertThat(EtchStateMachine.mayDeleteMany(put("a"))).isFalse();
    }
}
