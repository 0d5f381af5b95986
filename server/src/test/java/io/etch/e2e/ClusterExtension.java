package io.etch.e2e;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * One cluster per test class: started before the first test, stopped after the last one (also when a
 * test fails), member log tails printed for every failed test. Register it as a static field:
 * {@code @RegisterExtension static final ClusterExtension CLUSTER = new ClusterExtension("kv");}.
 *
 * <p>The work dir (data dirs and logs) is deleted after a fully passing class and kept otherwise.
 */
final class ClusterExtension implements BeforeAllCallback, AfterAllCallback, TestWatcher {

    private static final int LOG_TAIL_LINES = Integer.getInteger("e2e.logTail", 60);

    private final String label;
    private final List<String> extraFlags;
    private Cluster cluster;
    private boolean failed;

    ClusterExtension(String label, String... extraFlags) {
        this.label = label;
        this.extraFlags = List.of(extraFlags);
    }

    Cluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("cluster not started");
        }
        return cluster;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        long t0 = System.nanoTime();
        cluster = Cluster.create(label, extraFlags);
        try {
            cluster.start();
        } catch (RuntimeException | AssertionError e) {
            failed = true;
            throw e;
        }
        System.err.printf("[e2e] %s cluster '%s' (%s) started in %d ms%n", cluster.target(), label,
                String.join(",", cluster.endpoints()), (System.nanoTime() - t0) / 1_000_000);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            long t0 = System.nanoTime();
            cluster.close(failed || Boolean.getBoolean("e2e.keep"));
            System.err.printf("[e2e] cluster '%s' stopped in %d ms%n", label, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        failed = true;
        if (cluster != null) {
            System.err.println("[e2e] " + context.getDisplayName() + " failed: " + cause);
            cluster.printLogTails(System.err, LOG_TAIL_LINES);
        }
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        failed = true;
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
    }
}
