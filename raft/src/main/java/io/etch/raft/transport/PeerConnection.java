package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.Connection;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One inbound TCP connection of a {@link GrpcRpcServer}, as jraft sees it: attributes (jraft's
 * AppendEntriesRequestProcessor keeps its peer pairs here), a close event, and the arrival order of requests.
 *
 * <p><b>Ordering.</b> gRPC runs each unary call on its own HTTP/2 stream; a small request can finish arriving
 * before a large one sent earlier on the same connection (HTTP/2 interleaves DATA frames). jraft's pipelined
 * replication needs AppendEntries processed in send order, as Bolt does. Calls that need order {@link #reserve}
 * a slot when their stream opens (stream order = send order, on the connection's event loop) and
 * {@link #ready fill} it when their message has arrived; slots are dispatched strictly in reservation order.
 * Example: A(300 KiB) and B(1 KiB) sent in this order; B completes first and waits in slot 2 until A fills slot
 * 1, then A and B are handed to the executor in that order.
 *
 * <p><b>Close.</b> gRPC has no API to close one server-side TCP connection. {@link #close()} marks it closed,
 * fails its in-flight calls and every later call on it with {@link #CLOSED_STATUS} plus the {@link #CLOSED_KEY}
 * trailer; {@link GrpcRpcClient} drops its channel on that trailer, so the next call opens a new connection.
 * Close listeners are notified once, on {@link #close()} or when the transport terminates. Thread-safe.
 */
final class PeerConnection implements Connection {

    static final Metadata.Key<String> CLOSED_KEY = Metadata.Key.of("etch-peer-conn-closed",
        Metadata.ASCII_STRING_MARSHALLER);
    static final Status CLOSED_STATUS = Status.UNAVAILABLE.withDescription("peer connection closed by server");

    private final String remoteAddress;
    private final Consumer<PeerConnection> onClosed;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final Set<PeerCall> calls = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closeFired = new AtomicBoolean();
    private volatile boolean closed;

    private final ArrayDeque<Slot> slots = new ArrayDeque<>(); // guarded by itself

    PeerConnection(String remoteAddress, Consumer<PeerConnection> onClosed) {
        this.remoteAddress = remoteAddress;
        this.onClosed = onClosed;
    }

    String remoteAddress() {
        return remoteAddress;
    }

    boolean isClosed() {
        return closed;
    }

    static Metadata closedTrailers() {
        Metadata md = new Metadata();
        md.put(CLOSED_KEY, "1");
        return md;
    }

    /** Tracks a call so that {@link #close()} can fail it; returns false (and tracks nothing) if closed. */
    boolean track(PeerCall call) {
        calls.add(call);
        if (closed) {
            calls.remove(call);
            return false;
        }
        return true;
    }

    void untrack(PeerCall call) {
        calls.remove(call);
    }

    // --- ordering ---

    /** Reserves the next dispatch slot; call on the transport thread when the call starts. */
    Slot reserve() {
        Slot slot = new Slot();
        synchronized (slots) {
            slots.addLast(slot);
        }
        return slot;
    }

    /** The slot's request has fully arrived: {@code dispatch} runs once every earlier slot is done. */
    void ready(Slot slot, Runnable dispatch) {
        synchronized (slots) {
            slot.dispatch = dispatch;
            slot.state = Slot.READY;
            drain();
        }
    }

    /** The slot's call ended without a request to dispatch (cancelled, malformed). Idempotent. */
    void abandon(Slot slot) {
        synchronized (slots) {
            if (slot.state == Slot.PENDING) {
                slot.state = Slot.DEAD;
                drain();
            }
        }
    }

    private void drain() {
        while (!slots.isEmpty()) {
            Slot head = slots.peekFirst();
            if (head.state == Slot.PENDING) {
                return;
            }
            slots.pollFirst();
            if (head.state == Slot.READY) {
                head.state = Slot.DEAD;
                head.dispatch.run(); // only hands the request to an executor
            }
        }
    }

    static final class Slot {
        static final int PENDING = 0;
        static final int READY = 1;
        static final int DEAD = 2;
        int state = PENDING;
        Runnable dispatch;
    }

    // --- jraft Connection ---

    @Override
    public Object getAttribute(String key) {
        return attributes.get(key);
    }

    @Override
    public void setAttribute(String key, Object value) {
        attributes.put(key, value);
    }

    @Override
    public Object setAttributeIfAbsent(String key, Object value) {
        return attributes.putIfAbsent(key, value);
    }

    @Override
    public void close() {
        closed = true;
        for (PeerCall call : calls) {
            call.fail(CLOSED_STATUS, closedTrailers());
        }
        calls.clear();
        fireClosed();
    }

    /** The TCP connection is gone. */
    void terminated() {
        closed = true;
        calls.clear();
        fireClosed();
    }

    private void fireClosed() {
        if (closeFired.compareAndSet(false, true)) {
            onClosed.accept(this);
        }
    }

    @Override
    public String toString() {
        return "PeerConnection[" + remoteAddress + (closed ? ", closed]" : "]");
    }
}
