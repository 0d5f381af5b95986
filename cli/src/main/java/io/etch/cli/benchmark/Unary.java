package io.etch.cli.benchmark;

import io.grpc.stub.StreamObserver;

/** Adapts a unary call's {@link StreamObserver} to {@link ClosedLoop.Done}. */
final class Unary<T> implements StreamObserver<T> {
    private final ClosedLoop.Done done;

    private Unary(ClosedLoop.Done done) {
        this.done = done;
    }

    static <T> StreamObserver<T> of(ClosedLoop.Done done) {
        return new Unary<>(done);
    }

    @Override
    public void onNext(T value) {
        // the response body is not needed; latency is taken on completion
    }

    @Override
    public void onError(Throwable t) {
        done.failed(t);
    }

    @Override
    public void onCompleted() {
        done.ok();
    }
}
