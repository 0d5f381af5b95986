package io.etch.raft;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jraft's {@code NodeImpl} installs a SIGUSR2 handler that writes {@code node_describe.log.*} files into
 * the working directory. HotSpot delivers SIGUSR2 itself (thread suspension, e.g. for JFR's sampler),
 * so with JFR on, a member littered its working directory with one file per second. Etch replaces that
 * handler with one that does nothing.
 */
final class JraftSignals {
    private static final Logger LOG = LoggerFactory.getLogger(JraftSignals.class);

    private JraftSignals() {
    }

    @SuppressWarnings("removal")
    static void disableDescribeDump() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("USR2"), signal -> { });
        } catch (Throwable t) {
            LOG.debug("could not replace jraft's SIGUSR2 handler", t);
        }
    }
}
