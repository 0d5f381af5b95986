package io.etch.cli.benchmark;

import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.grpc.stub.StreamObserver;

/**
 * The client's end of one Watch stream as the benchmark watchers use it: the request side, and a close that
 * half-closes it once, unless the stream has ended already. Subclasses read the responses; they call
 * {@link #ended} when the stream fails and take its lock ({@code this}) for their own state.
 */
abstract class WatchStreamEnd implements StreamObserver<WatchResponse> {
    /** The request side; set right after the stream is opened, before any create request. */
    StreamObserver<WatchRequest> requests;
    private boolean closed; // guarded by this

    /** Marks the stream as ended by the server or the transport. */
    final synchronized void ended() {
        closed = true;
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
