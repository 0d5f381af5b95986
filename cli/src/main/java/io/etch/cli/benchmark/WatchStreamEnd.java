package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's end of one Watch stream as the benchmark watchers use it: the request side, the create
 * requests still unanswered (the server answers them in order, so a FIFO of tags matches each answer to its
 * request), and a close that half-closes the stream once, unless it has ended already. Subclasses read the
 * responses and call {@link #ended} when the stream fails. Thread-safe.
 *
 * @param <T> what a subclass keeps per create request (its start time, its watcher's number)
 */
abstract class WatchStreamEnd<T> implements StreamObserver<WatchResponse> {
    /** The request side; set right after the stream is opened, before any create request. */
    StreamObserver<WatchRequest> requests;
    private final ArrayDeque<T> pendingCreates = new ArrayDeque<>(); // guarded by this
    private boolean closed; // guarded by this

    /** Sends a create request for {@code key}, remembering {@code tag} until its answer. */
    final synchronized void sendCreate(T tag, ByteString key) {
        pendingCreates.add(tag);
        requests.onNext(WatchRequest.newBuilder()
                .setCreateRequest(WatchCreateRequest.newBuilder().setKey(key)).build());
    }

    /** The tag of the oldest unanswered create request, now answered; null when none is unanswered. */
    final synchronized T createAnswered() {
        return pendingCreates.poll();
    }

    /** Marks the stream as ended by the server or the transport; returns the tags of the unanswered creates. */
    final synchronized List<T> ended() {
        closed = true;
        List<T> unanswered = new ArrayList<>(pendingCreates);
        pendingCreates.clear();
        return unanswered;
    }

    @Override
    public void onCompleted() {
        ended();
    }

    /** Half-closes the stream once; does nothing when it has ended already. */
    final synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                requests.onCompleted();
            } catch (RuntimeException ignored) {
                // the stream is gone already
            }
        }
    }
}
