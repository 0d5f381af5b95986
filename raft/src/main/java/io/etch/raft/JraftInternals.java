package io.etch.raft;

import com.alipay.sofa.jraft.FSMCaller;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.conf.ConfigurationEntry;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.core.State;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.storage.LogManager;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Etch reads from jraft's {@link NodeImpl} beyond its public API, in one place: the leader's state for a
 * voter's read index ({@link VoterReadIndex}) and the applied-index listener of its state-machine caller
 * ({@link FollowerReadIndex}). jraft 1.4.1 keeps these in private fields; this class reaches them with
 * {@link MethodHandles#privateLookupIn} and reads them as jraft does itself (under the node's read lock, as in
 * {@code NodeImpl#readLeader}). If the fields are missing (another jraft version), {@link #available()} is false,
 * the methods answer "no", and callers fall back to jraft's public paths.
 */
final class JraftInternals {

    private static final Logger LOG = LoggerFactory.getLogger(JraftInternals.class);

    private static final VarHandle READ_LOCK;
    private static final VarHandle CONF;
    private static final VarHandle LOG_MANAGER;
    private static final VarHandle FSM_CALLER;
    private static final MethodHandle CURRENT_TERM;

    static {
        VarHandle readLock = null;
        VarHandle conf = null;
        VarHandle logManager = null;
        VarHandle fsmCaller = null;
        MethodHandle currentTerm = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(NodeImpl.class, MethodHandles.lookup());
            readLock = lookup.findVarHandle(NodeImpl.class, "readLock", Lock.class);
            conf = lookup.findVarHandle(NodeImpl.class, "conf", ConfigurationEntry.class);
            logManager = lookup.findVarHandle(NodeImpl.class, "logManager", LogManager.class);
            fsmCaller = lookup.findVarHandle(NodeImpl.class, "fsmCaller", FSMCaller.class);
            currentTerm = lookup.findVirtual(NodeImpl.class, "getCurrentTerm", MethodType.methodType(long.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("jraft's NodeImpl has not the expected fields; reads take jraft's slower paths", e);
            readLock = null;
        }
        READ_LOCK = readLock;
        CONF = conf;
        LOG_MANAGER = logManager;
        FSM_CALLER = fsmCaller;
        CURRENT_TERM = currentTerm;
    }

    private JraftInternals() {}

    /** Whether this jraft has the fields this class reads. */
    static boolean available() {
        return READ_LOCK != null;
    }

    /**
     * The read index to give {@code asker} at once, or -1 when a heartbeat round is needed. Positive only when,
     * all read under the node's read lock: {@code node} leads, has committed an entry of its current term (the
     * answer is that commit index), and itself and {@code asker} are a majority of its configuration, of both
     * halves while it is joint ({@link VoterReadIndex#askerAndLeaderAreMajority}).
     *
     * @param node the local node; any other {@link Node} than jraft's {@link NodeImpl} gives -1
     * @param asker the member that asked (a request's {@code server_id}); null gives -1
     * @param termWithCommit the caller's memory of the latest term in which this check found the commit index
     *     of the leader's own term (initially -1): within that term every later commit index is too, so the log
     *     is not read again (it may be on disk once applied); updated here
     */
    static long leaderReadIndexFor(Node node, PeerId asker, AtomicLong termWithCommit) {
        if (!available() || !(node instanceof NodeImpl impl) || asker == null) {
            return -1;
        }
        Lock lock = (Lock) READ_LOCK.get(impl);
        lock.lock();
        try {
            if (impl.getNodeState() != State.STATE_LEADER) {
                return -1;
            }
            ConfigurationEntry conf = (ConfigurationEntry) CONF.get(impl);
            PeerId self = impl.getServerId();
            if (conf == null || !VoterReadIndex.askerAndLeaderAreMajority(conf.getConf(), self, asker)
                    || (conf.getOldConf() != null && !conf.getOldConf().isEmpty()
                            && !VoterReadIndex.askerAndLeaderAreMajority(conf.getOldConf(), self, asker))) {
                return -1;
            }
            long term = (long) CURRENT_TERM.invokeExact(impl);
            long committed = impl.getLastCommittedIndex();
            if (committed <= 0) {
                return -1;
            }
            if (termWithCommit.get() == term) {
                return committed;
            }
            LogManager log = (LogManager) LOG_MANAGER.get(impl);
            if (log.getTerm(committed) != term) {
                return -1;
            }
            termWithCommit.set(term);
            return committed;
        } catch (Throwable t) {
            LOG.warn("cannot read the leader's state for a read index; falling back to a heartbeat round", t);
            return -1;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Calls {@code applied} with the node's last applied index after every batch its state-machine caller
     * finishes, configuration entries and snapshot loads included (jraft's
     * {@code FSMCaller#addLastAppliedLogIndexListener}, which jraft's own read-only service uses), on the
     * caller's thread.
     *
     * @return false when the listener could not be added (not jraft's {@link NodeImpl}, or another jraft)
     */
    static boolean listenToApplied(Node node, LongConsumer applied) {
        if (!available() || !(node instanceof NodeImpl impl)) {
            return false;
        }
        FSMCaller caller = (FSMCaller) FSM_CALLER.get(impl);
        if (caller == null) {
            return false;
        }
        caller.addLastAppliedLogIndexListener(applied::accept);
        return true;
    }
}
