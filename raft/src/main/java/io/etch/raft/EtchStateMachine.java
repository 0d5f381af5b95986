package io.etch.raft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.entity.LeaderChangeContext;
import com.alipay.sofa.jraft.entity.RaftOutter.SnapshotMeta;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.error.RaftException;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftResult;
import io.etch.storage.MvccStore;
import io.etch.storage.WriteTxn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated state machine: applies committed raft entries to the MVCC store.
 *
 * <p>Each {@link #onApply} call is a group commit in chunks: the entries above the store's consistent
 * index are applied into {@link WriteTxn}s of at most {@value #CHUNK_MAX_ENTRIES} entries or
 * {@value #CHUNK_MAX_BYTES} bytes, each committed atomically together with the new consistent index, and
 * only then are that chunk's waiting proposals completed (etcd {@code etcdserver/server.go applyEntries},
 * {@code cindex}). Entries at or below the consistent index were applied before a restart and are
 * skipped, which makes replay of the raft log idempotent.
 *
 * <p>Raft snapshots are RocksDB checkpoints of the store; a snapshot older than the store is never
 * loaded over it (jraft loads the latest snapshot at every start).
 */
final class EtchStateMachine extends StateMachineAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(EtchStateMachine.class);
    private static final String SNAPSHOT_DIR = "kv";
    /** At most this many entries are applied in one store transaction. */
    static final int CHUNK_MAX_ENTRIES = 4096;
    /** A store transaction takes no more entries once it holds this many bytes of entry data. */
    static final long CHUNK_MAX_BYTES = 4L << 20;

    private final StoreHolder stores;
    private final CommandApplier applier;
    private final MemberDirectory members;
    private final List<ClusterMember> cluster;
    private final RaftRoleListener roles;
    private final LongConsumer afterApply;
    private final ForwardedProposals forwarded;
    private final java.util.concurrent.CopyOnWriteArrayList<RaftListener> listeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long loadedSnapshotIndex;

    EtchStateMachine(StoreHolder stores, MemberDirectory members, List<ClusterMember> cluster,
                     RaftRoleListener roles, LongConsumer afterApply) {
        this(stores, members, cluster, roles, afterApply, new ForwardedProposals());
    }

    /**
     * @param forwarded this member's forwarded writes, which its apply of their entries completes (an entry
     *     with no closure of this member's: on a follower, or on a leader for entries of an earlier term)
     */
    EtchStateMachine(StoreHolder stores, MemberDirectory members, List<ClusterMember> cluster,
                     RaftRoleListener roles, LongConsumer afterApply, ForwardedProposals forwarded) {
        this.forwarded = forwarded;
        this.stores = stores;
        this.members = members;
        this.cluster = cluster;
        this.applier = new CommandApplier(members);
        this.roles = roles;
        this.afterApply = afterApply;
        members.load(stores.applyStore(), cluster);
    }

    void addListener(RaftListener listener) {
        listeners.add(listener);
    }

    /** The index of the last raft snapshot loaded (at start, or installed from the leader); 0 if none. */
    long loadedSnapshotIndex() {
        return loadedSnapshotIndex;
    }

    @Override
    public void onApply(Iterator iter) {
        while (iter.hasNext()) {
            if (!applyChunk(iter)) {
                return;
            }
        }
    }

    /**
     * Applies entries from {@code iter} into one {@link WriteTxn} until the iterator ends or the chunk
     * holds {@value #CHUNK_MAX_ENTRIES} entries or {@value #CHUNK_MAX_BYTES} bytes of entry data, commits
     * it, then completes its proposals and tells the listeners.
     *
     * <p>jraft hands every committed entry above the applied index to one {@code onApply}: a member that
     * fell behind (a follower under a burst of writes, a restart replaying the log) can get 100k entries
     * at once. One batch of them all held the whole burst twice in native memory, in the write batch and
     * then in one memtable (a 256 MiB batch and 130 MiB of memtable on a follower during
     * {@code etcdctl check datascale --load=m}); chunks bound both.
     *
     * @return false when an entry failed to apply and the state machine was stopped
     */
    private boolean applyChunk(Iterator iter) {
        MvccStore store = stores.applyStore();
        long applied = store.consistentIndex();
        List<ProposalClosure> closures = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<RaftResult>> waiters = new ArrayList<>();
        List<io.etch.api.mvccpb.Event> events = List.of();
        List<RaftResult> results = new ArrayList<>();
        long lastIndex = -1;
        int entries = 0;
        long bytes = 0;
        try (WriteTxn txn = store.beginWrite()) {
            while (iter.hasNext() && entries < CHUNK_MAX_ENTRIES && bytes < CHUNK_MAX_BYTES) {
                long index = iter.getIndex();
                roles.observeTerm(iter.getTerm());
                RaftCommand cmd = index <= applied ? null : decode(iter);
                if (cmd != null && entries > 0 && mayDeleteMany(cmd)) {
                    break; // commit what is before it, so that it starts on an empty batch and may spill
                }
                Closure closure = iter.done();
                RaftResult result;
                if (cmd == null) {
                    result = null; // applied before a restart; nobody waits for it
                } else {
                    entries++;
                    bytes += iter.getData() == null ? 0 : iter.getData().remaining();
                    result = applier.apply(txn, cmd);
                    lastIndex = index;
                }
                java.util.concurrent.CompletableFuture<RaftResult> waiter = null;
                if (closure instanceof ProposalClosure pc && result != null) {
                    closures.add(pc);
                    waiter = pc.future();
                } else if (closure != null) {
                    closure.run(Status.OK());
                } else if (result != null) {
                    waiter = forwarded.take(cmd.getId());
                }
                if (waiter != null) {
                    waiters.add(waiter);
                    results.add(result.toBuilder().setRaftIndex(index).setRaftTerm(iter.getTerm()).build());
                }
                iter.next();
            }
            if (lastIndex > 0) {
                events = txn.events();
                txn.commit(lastIndex);
            }
        } catch (RuntimeException e) {
            LOG.error("apply failed; stopping the state machine", e);
            for (ProposalClosure pc : closures) {
                pc.run(new Status(RaftError.ESTATEMACHINE, "apply failed: %s", e));
            }
            iter.setErrorAndRollback(1, new Status(RaftError.ESTATEMACHINE, "apply failed: %s", e));
            return false;
        }
        if (lastIndex > 0) {
            long revision = store.currentRevision();
            for (RaftListener l : listeners) {
                l.onCommit(events, revision);
            }
            afterApply.accept(lastIndex);
        }
        Completions.complete(waiters.size(), i -> waiters.get(i).complete(results.get(i)));
        return true;
    }

    /**
     * Whether a command may delete many keys: a ranged DeleteRange, a Txn with one in any branch, a lease
     * revoke. Such a command is applied in a store transaction of its own, the only kind that may spill a
     * large batch into the store before its commit (see {@code RocksWriteTxn}).
     */
    static boolean mayDeleteMany(RaftCommand cmd) {
        return switch (cmd.getOpCase()) {
            case DELETE_RANGE -> !cmd.getDeleteRange().getRangeEnd().isEmpty();
            case TXN -> deletesRange(cmd.getTxn());
            case LEASE_REVOKE -> true;
            default -> false;
        };
    }

    private static boolean deletesRange(io.etch.api.etcdserverpb.TxnRequest txn) {
        for (List<io.etch.api.etcdserverpb.RequestOp> ops : List.of(txn.getSuccessList(), txn.getFailureList())) {
            for (io.etch.api.etcdserverpb.RequestOp op : ops) {
                if (op.hasRequestDeleteRange() && !op.getRequestDeleteRange().getRangeEnd().isEmpty()
                        || op.hasRequestTxn() && deletesRange(op.getRequestTxn())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static RaftCommand decode(Iterator iter) {
        try {
            return RaftCommand.parseFrom(iter.getData());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("undecodable raft entry at index " + iter.getIndex(), e);
        }
    }

    @Override
    public void onSnapshotSave(SnapshotWriter writer, Closure done) {
        try {
            MvccStore store = stores.applyStore();
            store.flush();
            Path target = Path.of(writer.getPath(), SNAPSHOT_DIR);
            store.checkpoint(target);
            try (Stream<Path> files = Files.walk(target)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    String name = Path.of(writer.getPath()).relativize(f).toString();
                    if (!writer.addFile(name)) {
                        throw new IOException("cannot add " + name + " to the raft snapshot");
                    }
                }
            }
            done.run(Status.OK());
        } catch (IOException | RuntimeException e) {
            LOG.error("raft snapshot save failed", e);
            done.run(new Status(RaftError.EIO, "snapshot save failed: %s", e));
        }
    }

    @Override
    public boolean onSnapshotLoad(SnapshotReader reader) {
        SnapshotMeta meta = reader.load();
        if (meta == null) {
            LOG.error("raft snapshot has no meta: {}", reader.getPath());
            return false;
        }
        loadedSnapshotIndex = meta.getLastIncludedIndex();
        long current = stores.applyStore().consistentIndex();
        if (meta.getLastIncludedIndex() <= current) {
            LOG.info("raft snapshot at index {} is not newer than the store (consistent index {}); keeping the store",
                    meta.getLastIncludedIndex(), current);
            return true;
        }
        try {
            LOG.info("installing raft snapshot at index {} over store at consistent index {}",
                    meta.getLastIncludedIndex(), current);
            stores.replaceWith(Path.of(reader.getPath(), SNAPSHOT_DIR));
            members.load(stores.applyStore(), cluster);
            for (RaftListener l : listeners) {
                l.onStoreReplaced();
            }
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.error("raft snapshot load failed", e);
            return false;
        }
    }

    @Override
    public void onLeaderStart(long term) {
        roles.leaderStarted(term);
        for (RaftListener l : listeners) {
            l.onLeaderStart(term);
        }
    }

    @Override
    public void onLeaderStop(Status status) {
        roles.leaderStopped();
        for (RaftListener l : listeners) {
            l.onLeaderStop();
        }
    }

    @Override
    public void onStartFollowing(LeaderChangeContext ctx) {
        roles.followingStarted(ctx.getTerm());
    }

    @Override
    public void onStopFollowing(LeaderChangeContext ctx) {
        roles.followingStopped(ctx.getTerm());
    }

    @Override
    public void onError(RaftException e) {
        LOG.error("raft node entered the error state: {}", e.getStatus(), e);
    }
}
