package io.etch.cli.benchmark;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress bar on stderr ({@code  1234 / 10000 [=====>      ] 12.34% 3s}), redrawn with a carriage
 * return four times a second by a daemon thread, like the {@code pb} bar of etcd's benchmark. A
 * disabled bar only counts. Thread-safe.
 */
final class Progress implements AutoCloseable {
    private static final int WIDTH = 40;

    private final long total;
    private final boolean enabled;
    private final PrintStream out;
    private final AtomicLong done = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private final Thread painter;

    Progress(long total, boolean enabled, PrintStream out) {
        this.total = total;
        this.enabled = enabled;
        this.out = out;
        if (enabled) {
            painter = new Thread(this::paintLoop, "etchctl-progress");
            painter.setDaemon(true);
            painter.start();
        } else {
            painter = null;
        }
    }

    void increment() {
        done.incrementAndGet();
    }

    void add(long n) {
        done.addAndGet(n);
    }

    long done() {
        return done.get();
    }

    private void paintLoop() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                out.print("\r" + line());
                out.flush();
                Thread.sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The bar as text, without carriage return. */
    String line() {
        long d = Math.min(done.get(), total);
        double frac = total <= 0 ? 1 : (double) d / total;
        int filled = (int) (frac * WIDTH);
        StringBuilder bar = new StringBuilder(WIDTH);
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        long secs = (System.nanoTime() - startNanos) / 1_000_000_000L;
        return String.format(Locale.ROOT, " %d / %d [%s] %.2f%% %ds", d, total, bar, frac * 100, secs);
    }

    @Override
    public void close() {
        if (painter != null) {
            painter.interrupt();
            try {
                painter.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.print("\r" + line() + "\n");
            out.flush();
        }
    }
}
