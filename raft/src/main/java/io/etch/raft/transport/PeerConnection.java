package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.Connection;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inbound {@code PeerRpc.Exchange} stream of a {@link GrpcRpcServer}, as jraft sees it: a
 * {@link Connection} with attributes (jraft's AppendEntriesRequestProcessor keeps its peer pairs here) and a close
 * event, and the way back for responses. A client keeps one such stream per peer endpoint, so requests arrive on
 * it in send order ({@link ExchangeHandler} dispatches them in that order).
 *
 * <p>States: open → closed, by {@link #close()} (jraft closes the connection), {@link #finished()} (the client
 * ended its side) or {@link #terminated()} (the stream was cancelled or the transport died). {@link #close()}
 * ends the stream with {@link #CLOSED_STATUS} and the {@link #CLOSED_KEY} trailer; the client then fails the calls
 * it still waits for with a {@code ConnectionFailureException} and opens a new stream, which is a new
 * connection here. Responses sent once closed are dropped. Close listeners are notified exactly once, whichever
 * way it closed.
 *
 * <p>Thread-safe: {@link #send} may be called from any thread; frames are written one at a time, in the order
 * they were sent, without holding a lock while writing.
 */
final class PeerConnection implements Connection {

    private static final Logger LOG = LoggerFactory.getLogger(PeerConnection.class);

    static final Metadata.Key<String> CLOSED_KEY = Metadata.Key.of("etch-peer-conn-closed",
        Metadata.ASCII_STRING_MARSHALLER);
    static final Status CLOSED_STATUS = Status.UNAVAILABLE.withDescription("peer connection closed by server");

    private final ServerCall<ExchangeFrame, ExchangeFrame> call;
    private final String remoteAddress;
    private final Consumer<PeerConnection> onClosed;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final SerialExecutor writes = new SerialExecutor();
    private final AtomicBoolean closeFired = new AtomicBoolean();
    private volatile boolean closed;
    private boolean ended; // the call is closed or gone; only read and written in writes' tasks

    /**
     * Sends the response headers; call on the transport thread when the stream starts, before the connection
     * is handed to any other thread.
     */
    PeerConnection(ServerCall<ExchangeFrame, ExchangeFrame> call, String remoteAddress, Consumer<PeerConnection> onClosed) {
        this.call = call;
        this.remoteAddress = remoteAddress;
        this.onClosed = onClosed;
        call.sendHeaders(new Metadata());
    }

    String remoteAddress() {
        return remoteAddress;
    }

    boolean isClosed() {
        return closed;
    }

    /** Writes a response frame, unless the connection is closed (then drops it). Never blocks. */
    void send(ExchangeFrame frame) {
        if (closed) {
            return;
        }
        writes.execute(() -> {
            if (!ended) {
                try {
                    call.sendMessage(frame);
                } catch (RuntimeException e) { // the stream ended meanwhile
                    LOG.debug("cannot answer on {}: {}", this, e.toString());
                }
            }
        });
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

    /** Ends the stream with {@link #CLOSED_STATUS}; the client reconnects with a new stream. Idempotent. */
    @Override
    public void close() {
        end(CLOSED_STATUS, closedTrailers());
    }

    /** The client half-closed: it sends no more requests. Ends the stream (unanswered requests are dropped). */
    void finished() {
        end(Status.OK, new Metadata());
    }

    /** The stream is gone (cancelled by the client, transport failure, server shutdown). */
    void terminated() {
        closed = true;
        writes.execute(() -> ended = true);
        fireClosed();
    }

    private void end(Status status, Metadata trailers) {
        closed = true;
        writes.execute(() -> {
            if (!ended) {
                ended = true;
                try {
                    call.close(status, trailers);
                } catch (RuntimeException e) {
                    LOG.debug("cannot close {}: {}", this, e.toString());
                }
            }
        });
        fireClosed();
    }

    private static Metadata closedTrailers() {
        Metadata md = new Metadata();
        md.put(CLOSED_KEY, "1");
        return md;
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
