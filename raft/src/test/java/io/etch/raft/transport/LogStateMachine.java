package io.etch.raft.transport;

import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import com.alipay.sofa.jraft.Closure;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Appends each committed 8-byte value to a list; snapshots are the whole list. */
final class LogStateMachine extends StateMachineAdapter {

    private static final String FILE = "log";

    private final List<Long> applied = new ArrayList<>(); // guarded by this
    final AtomicInteger snapshotLoads = new AtomicInteger();

    static ByteBuffer encode(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(0, value);
    }

    synchronized List<Long> applied() {
        return List.copyOf(applied);
    }

    synchronized int size() {
        return applied.size();
    }

    @Override
    public void onApply(Iterator it) {
        while (it.hasNext()) {
            ByteBuffer data = it.getData();
            synchronized (this) {
                applied.add(data.getLong(data.position()));
            }
            if (it.done() != null) {
                it.done().run(Status.OK());
            }
            it.next();
        }
    }

    @Override
    public void onSnapshotSave(SnapshotWriter writer, Closure done) {
        List<Long> copy = applied();
        Path file = Path.of(writer.getPath(), FILE);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(copy.size());
            for (long v : copy) {
                out.writeLong(v);
            }
        } catch (IOException e) {
            done.run(new Status(RaftError.EIO, "cannot write snapshot: %s", e));
            return;
        }
        done.run(writer.addFile(FILE) ? Status.OK() : new Status(RaftError.EIO, "addFile failed"));
    }

    @Override
    public boolean onSnapshotLoad(SnapshotReader reader) {
        Path file = Path.of(reader.getPath(), FILE);
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            int n = in.readInt();
            List<Long> loaded = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                loaded.add(in.readLong());
            }
            synchronized (this) {
                applied.clear();
                applied.addAll(loaded);
            }
        } catch (IOException e) {
            return false;
        }
        snapshotLoads.incrementAndGet();
        return true;
    }
}
