package io.etch.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.rocksdb.RocksIterator;

/**
 * Reads watch events from the {@code key} family in revision order (etcd's {@code syncWatchers} range
 * over the key bucket + {@code kvsToEvents}), and fills prev_kv the way etcd's watch server does: the
 * key's value at {@code mod_revision - 1}, left out for create events and when that revision is below
 * the compact revision ({@code v3rpc/watch.go} sendLoop). Not thread-safe; one per read.
 */
final class EventReader {
    private EventReader() {
    }

    static HistoryEvents read(KvReader reader, long fromRev, int maxEntries, Predicate<ByteString> keyFilter,
            Predicate<ByteString> prevKvFilter) {
        Layout layout = reader.layout();
        long current = reader.metaLong(Layout.META_CURRENT_REV, 1);
        long compact = reader.metaLong(Layout.META_COMPACT_REV, -1);
        long from = Math.max(1, fromRev);
        if (compact > 0 && from < compact) {
            throw new EtcdException(EtcdError.COMPACTED);
        }
        List<Event> events = new ArrayList<>();
        long next = current + 1;
        int entries = 0;
        long lastMain = -1;
        RocksIterator history = null;
        try (RocksIterator it = reader.view().iterator(layout.key())) {
            for (it.seek(Layout.revKey(new Revision(from, 0), false)); it.isValid(); it.next()) {
                byte[] k = it.key();
                long main = Bytes.getLong(k, 0);
                if (main > current) {
                    break;
                }
                if (main != lastMain && entries >= maxEntries) {
                    next = main;
                    break;
                }
                lastMain = main;
                entries++;
                boolean tombstone = k.length == Revision.BYTES + 1 && k[Revision.BYTES] == Layout.TOMBSTONE_MARK;
                KeyValue kv = parse(it.value(), main);
                if (!keyFilter.test(kv.getKey())) {
                    continue;
                }
                Event.Builder ev = Event.newBuilder().setType(tombstone ? Event.EventType.DELETE : Event.EventType.PUT);
                if (tombstone && kv.getModRevision() != main) {
                    kv = kv.toBuilder().setModRevision(main).build();
                }
                ev.setKv(kv);
                boolean create = !tombstone && kv.getCreateRevision() == kv.getModRevision();
                if (!create && main - 1 >= compact && prevKvFilter.test(kv.getKey())) {
                    if (history == null) {
                        history = reader.view().iterator(layout.keyrev());
                    }
                    KeyValue prev = visibleAt(reader, history, kv.getKey().toByteArray(), main - 1);
                    if (prev != null) {
                        ev.setPrevKv(prev);
                    }
                }
                events.add(ev.build());
            }
        } finally {
            if (history != null) {
                history.close();
            }
        }
        return new HistoryEvents(events, next, current, Math.max(0, compact));
    }

    /** {@link MvccStore#prevKv}: the key's KeyValue at {@code modRevision - 1} unless compacted away. */
    static KeyValue prevKv(KvReader reader, ByteString key, long modRevision) {
        long compact = reader.metaLong(Layout.META_COMPACT_REV, -1);
        if (modRevision - 1 < Math.max(1, compact)) {
            return null;
        }
        try (RocksIterator history = reader.view().iterator(reader.layout().keyrev())) {
            return visibleAt(reader, history, key.toByteArray(), modRevision - 1);
        }
    }

    /** The key's KeyValue visible at {@code atRev}, or null (absent, deleted or compacted away). */
    private static KeyValue visibleAt(KvReader reader, RocksIterator keyrev, byte[] key, long atRev) {
        byte[] prefix = Layout.historyPrefix(key);
        keyrev.seekForPrev(Layout.historyKey(prefix, atRev, -1L));
        if (!keyrev.isValid()) {
            return null;
        }
        byte[] k = keyrev.key();
        if (k.length != prefix.length + Revision.BYTES || !Bytes.startsWith(k, prefix)
                || keyrev.value()[0] == Layout.FLAG_TOMBSTONE) {
            return null;
        }
        return reader.kvAt(Revision.read(k, prefix.length));
    }

    private static KeyValue parse(byte[] value, long main) {
        try {
            return KeyValue.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt key entry at revision " + main, e);
        }
    }
}
