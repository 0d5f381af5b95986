package io.etch.e2e;

import java.util.List;

/** The oracle: real etcd 3.4 processes ({@code /usr/bin/etcd}, or system property {@code e2e.etcd}). */
final class RealEtcdCluster extends ProcessCluster {

    static final String BINARY = System.getProperty("e2e.etcd", "/usr/bin/etcd");

    RealEtcdCluster(String label, List<String> extraFlags) {
        super(label, extraFlags);
    }

    @Override
    public String target() {
        return "etcd";
    }

    @Override
    protected List<String> executable() {
        return List.of(BINARY);
    }
}
