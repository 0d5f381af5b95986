package io.etch.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.etchpb.MemberAttributes;
import io.etch.storage.MvccStore;
import io.etch.storage.WriteTxn;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The attributes (name, client URLs) each member published through raft, like etcd's
 * {@code membership.RaftCluster} attributes. Persisted in the store's meta space with the data, so a
 * restarted member and a member restored from a raft snapshot know them too. Thread-safe: the apply
 * thread writes, request threads read.
 */
public final class MemberDirectory {
    private static final String META_PREFIX = "member/attributes/";
    private final Map<Long, MemberAttributes> attributes = new ConcurrentHashMap<>();

    /** Reloads every published attribute set from {@code store} (at start and after a snapshot install). */
    void load(MvccStore store, List<ClusterMember> members) {
        attributes.clear();
        for (ClusterMember m : members) {
            byte[] raw = store.getMeta(META_PREFIX + Long.toUnsignedString(m.id(), 16));
            if (raw != null) {
                try {
                    attributes.put(m.id(), MemberAttributes.parseFrom(raw));
                } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException("corrupt member attributes for " + m.name(), e);
                }
            }
        }
    }

    void apply(WriteTxn txn, MemberAttributes attrs) {
        txn.putMeta(META_PREFIX + Long.toUnsignedString(attrs.getMemberId(), 16), attrs.toByteArray());
        attributes.put(attrs.getMemberId(), attrs);
    }

    /** The attributes member {@code id} published, or null when it never did ("unstarted"). */
    public MemberAttributes attributes(long id) {
        return attributes.get(id);
    }
}
