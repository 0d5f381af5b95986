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
 * <p>Each {@link #onApply} call is one group commit: every entry above the store's consistent index is
 * applied into one {@link WriteTxn}, committed atomically together with the new consistent index, and
 * only then are the waiting proposals completed (etcd {@code etcdserver/server.go applyEntries},
 * {@code cindex}). Entries at or below the consistent index were applied before a restart and are
 * skipped, which makes replay of the raft log idempotent.
 *
 * <p>Raft snapshots are RocksDB checkpoints of the store; a snapshot older than the store is never
 * loaded over it (jraft loads the latest snapshot at every start).
 */
final class EtchStateMachine extends StateMachineAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(EtchStateMachine.class);
    private static final String SNAPSHOT_DIR = "kv";

    private final StoreHolder stores;
    private final CommandApplier applier;
    private final MemberDirectory members;
    private final List<ClusterMember> cluster;
    private final RaftRoleListener roles;
    private final LongConsumer afterApply;
    private final java.util.concurrent.CopyOnWriteArrayList<RaftListener> listeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long loadedSnapshotIndex;

    EtchStateMachine(StoreHolder stores, MemberDirectory members, List<ClusterMember> cluster,
                     RaftRoleListener roles, LongConsumer afterApply) {
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
        MvccStore store = stores.applyStore();
        long applied = store.consistentIndex();
        List<ProposalClosure> done = new ArrayList<>();
        List<io.etch.api.mvccpb.Event> events = List.of();
        List<RaftResult> results = new ArrayList<>();
        long lastIndex = -1;
        try (WriteTxn txn = store.beginWrite()) {
            while (iter.hasNext()) {
                long index = iter.getIndex();
                roles.observeTerm(iter.getTerm());
                Closure closure = iter.done();
                RaftResult result;
                if (index <= applied) {
                    result = null; // applied before a restart; nobody waits for it
                } else {
                    result = applier.apply(txn, decode(iter));
                    lastIndex = index;
                }
                if (closure instanceof ProposalClosure pc && result != null) {
                    done.add(pc);
                    results.add(result.toBuilder().setRaftIndex(index).build());
                } else if (closure != null) {
                    closure.run(Status.OK());
                }
                iter.next();
            }
            if (lastIndex > 0) {
                events = txn.events();
                txn.commit(lastIndex);
            }
        } catch (RuntimeException e) {
            LOG.error("apply failed; stopping the state machine", e);
            for (ProposalClosure pc : done) {
                pc.run(new Status(RaftError.ESTATEMACHINE, "apply failed: %s", e));
            }
            iter.setErrorAndRollback(1, new Status(RaftError.ESTATEMACHINE, "apply failed: %s", e));
            return;
        }
        if (!done.isEmpty()) {
            Completions.EXECUTOR.execute(() -> {
                for (int i = 0; i < done.size(); i++) {
                    done.get(i).complete(results.get(i));
                }
            });
        }
        if (lastIndex > 0) {
            long revision = store.currentRevision();
            for (RaftListener l : listeners) {
                l.onCommit(events, revision);
            }
            afterApply.accept(lastIndex);
        }
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
