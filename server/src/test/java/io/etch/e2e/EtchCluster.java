package io.etch.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Etch members started from the built distribution: {@code <etch.dist>/bin/etch} with etcd's flags.
 * {@code etch.dist} is set by the failsafe configuration in {@code server/pom.xml} to
 * {@code server/target/etch}.
 */
final class EtchCluster extends ProcessCluster {

    EtchCluster(String label, List<String> extraFlags) {
        super(label, extraFlags);
    }

    @Override
    public String target() {
        return "etch";
    }

    @Override
    protected List<String> executable() {
        String dist = System.getProperty("etch.dist");
        if (dist == null || dist.isBlank()) {
            throw new IllegalStateException("system property etch.dist is not set (run through failsafe, "
                    + "or pass -Detch.dist=server/target/etch)");
        }
        Path launcher = Path.of(dist, "bin", "etch");
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException("no executable Etch launcher at " + launcher
                    + " (build the server module first: mvn -o -pl server package)");
        }
        return List.of(launcher.toAbsolutePath().toString());
    }
}
