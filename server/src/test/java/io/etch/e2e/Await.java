package io.etch.e2e;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Bounded polling: the only way the E2E suite waits for a condition (no bare sleeps). */
final class Await {

    static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private Await() {
    }

    /**
     * Polls {@code probe} until it returns a present value or {@code timeout} has passed.
     *
     * @throws AssertionError with {@code what} and the last failure when the deadline passes
     */
    static <T> T until(String what, Duration timeout, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (true) {
            try {
                Optional<T> value = probe.get();
                if (value.isPresent()) {
                    return value.get();
                }
                last = null;
            } catch (Abort e) {
                throw e;
            } catch (RuntimeException | AssertionError e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionError failure = new AssertionError("timed out after " + timeout + " waiting for " + what
                        + (last == null ? "" : "; last failure: " + last.getMessage()));
                if (last != null) {
                    failure.addSuppressed(last);
                }
                throw failure;
            }
            pause(POLL_INTERVAL);
        }
    }

    /** Thrown by a probe to stop polling at once (the condition can no longer become true). */
    static class Abort extends RuntimeException {
        Abort(String message) {
            super(message);
        }
    }

    /** Polls until {@code condition} holds. */
    static void untilTrue(String what, Duration timeout, Supplier<Boolean> condition) {
        until(what, timeout, () -> condition.get() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** Polls until {@code check} stops throwing (an assertion block), then returns. */
    static void untilPasses(String what, Duration timeout, Runnable check) {
        until(what, timeout, () -> {
            check.run();
            return Optional.of(Boolean.TRUE);
        });
    }

    /** Poll interval pause; used only between probes. */
    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
