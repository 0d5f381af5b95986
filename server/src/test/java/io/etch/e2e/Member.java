package io.etch.e2e;

import java.nio.file.Path;

/**
 * One member of a test cluster: its name ({@code n1..n3}), loopback URLs, data dir and log file.
 * The process itself is owned by the {@link Cluster}; this is only the member's fixed identity.
 */
record Member(String name, int clientPort, int peerPort, Path dataDir, Path logFile) {

    /** {@code http://127.0.0.1:<client port>}, as passed to --advertise-client-urls and --endpoints. */
    String clientUrl() {
        return "http://127.0.0.1:" + clientPort;
    }

    /** {@code http://127.0.0.1:<peer port>}. */
    String peerUrl() {
        return "http://127.0.0.1:" + peerPort;
    }

    @Override
    public String toString() {
        return name + "(" + clientUrl() + ")";
    }
}
