package io.etch.server.api;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Completes a unary gRPC call from an asynchronous result, mapping failures through {@link ErrorTable}. */
public final class Calls {
    private Calls() {
    }

    /**
     * Completes {@code out} from the stage {@code call} returns (or throws), mapping failures through
     * {@link ErrorTable}.
     */
    public static <T> void unary(StreamObserver<T> out, Supplier<? extends CompletionStage<T>> call) {
        CompletionStage<T> stage;
        try {
            stage = call.get();
        } catch (RuntimeException e) {
            out.onError(ErrorTable.toStatus(e));
            return;
        }
        stage.whenComplete((value, error) -> {
            if (error != null) {
                out.onError(ErrorTable.toStatus(error));
            } else {
                out.onNext(value);
                out.onCompleted();
            }
        });
    }

    /** A synchronous call: {@code call} runs now; its exceptions are mapped like asynchronous ones. */
    static <T> void now(StreamObserver<T> out, Supplier<T> call) {
        T value;
        try {
            value = call.get();
        } catch (RuntimeException e) {
            out.onError(ErrorTable.toStatus(e));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }
}
