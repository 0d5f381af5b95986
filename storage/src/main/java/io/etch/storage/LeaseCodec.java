package io.etch.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.storage.lease.Lease;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * The {@code lease} and {@code leasekeys} families: a lease is stored as etcd stores it in bbolt
 * ({@code BE64(id)} → {@code leasepb.Lease{ID, TTL}}); each key attached to a lease has an entry
 * {@code BE64(id) key} so a revoke finds its keys without scanning the key space.
 *
 * <p>Example: grant 0x10 (TTL 5), put a and b with lease 0x10 → {@code lease: 00..10 → {ID:16, TTL:5}},
 * {@code leasekeys: 00..10 'a', 00..10 'b'}; put a without lease → the {@code 'a'} entry is gone.
 */
final class LeaseCodec {
    private LeaseCodec() {
    }

    static byte[] encode(Lease lease) {
        return io.etch.api.leasepb.Lease.newBuilder().setID(lease.id()).setTTL(lease.ttlSeconds()).build().toByteArray();
    }

    static Lease decode(byte[] value) {
        try {
            io.etch.api.leasepb.Lease l = io.etch.api.leasepb.Lease.parseFrom(value);
            return new Lease(l.getID(), l.getTTL());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt lease record", e);
        }
    }

    /** The lease, or null when it does not exist. */
    static Lease get(KvReader reader, long id) {
        byte[] v = reader.view().get(reader.layout().lease(), Layout.leaseKey(id));
        return v == null ? null : decode(v);
    }

    /** The keys attached to lease {@code id}, in unsigned byte order (etcd revokes them sorted). */
    static List<byte[]> attachedKeys(KvReader reader, long id) {
        byte[] prefix = Layout.leaseKey(id);
        List<byte[]> keys = new ArrayList<>();
        try (RocksIterator it = reader.view().iterator(reader.layout().leaseKeys())) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (!Bytes.startsWith(k, prefix)) {
                    break;
                }
                keys.add(java.util.Arrays.copyOfRange(k, 8, k.length));
            }
        }
        return keys;
    }
}
