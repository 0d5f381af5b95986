package io.etch.cli.benchmark;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Three Etch members started from the built distribution ({@code etch.dist}, {@code ../server/target/etch})
 * on free loopback ports. A start whose ports were taken between choosing and binding is retried with new
 * ports. {@link #close()} stops every process it started (TERM, then KILL after 15 s).
 */
final class LocalEtchCluster implements AutoCloseable {
    private static final int MEMBERS = 3;
    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final int[] clientPorts = new int[MEMBERS];

    private LocalEtchCluster(Path dir) {
        this.dir = dir;
    }

    /** Starts a healthy cluster or throws; tries three sets of ports. */
    static LocalEtchCluster start(Path dir) throws Exception {
        Exception last = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            LocalEtchCluster c = new LocalEtchCluster(dir.resolve("attempt-" + attempt));
            try {
                c.launch();
                c.awaitHealthy(TimeUnit.SECONDS.toNanos(90));
                return c;
            } catch (Exception e) {
                last = e;
                c.close();
            }
        }
        throw last;
    }

    private void launch() throws IOException {
        Files.createDirectories(dir);
        String dist = System.getProperty("etch.dist", "../server/target/etch");
        Path launcher = Path.of(dist, "bin", "etch").toAbsolutePath();
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException("no Etch distribution at " + launcher + " (build the server module first)");
        }
        int[] peerPorts = new int[MEMBERS];
        for (int i = 0; i < MEMBERS; i++) {
            clientPorts[i] = freePort();
            peerPorts[i] = freePort();
        }
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < MEMBERS; i++) {
            initial.append(i == 0 ? "" : ",").append("b").append(i).append("=http://127.0.0.1:").append(peerPorts[i]);
        }
        for (int i = 0; i < MEMBERS; i++) {
            ProcessBuilder pb = new ProcessBuilder(launcher.toString(),
                    "--name", "b" + i, "--data-dir", dir.resolve("b" + i + ".etcd").toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + clientPorts[i],
                    "--advertise-client-urls", "http://127.0.0.1:" + clientPorts[i],
                    "--listen-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                    "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
                    "--initial-cluster-token", "cli-bench-e2e");
            pb.environment().put("ETCH_HEAP", "256m");
            pb.redirectErrorStream(true).redirectOutput(dir.resolve("b" + i + ".log").toFile());
            processes.add(pb.start());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private void awaitHealthy(long timeoutNanos) throws Exception {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            int healthy = 0;
            for (int i = 0; i < MEMBERS; i++) {
                if (!processes.get(i).isAlive()) {
                    throw new IllegalStateException("member b" + i + " exited; log: "
                            + Files.readString(dir.resolve("b" + i + ".log")));
                }
                if (get(clientUrl(i) + "/health").status == 200) {
                    healthy++;
                }
            }
            if (healthy == MEMBERS) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("cluster not healthy in time; logs in " + dir);
            }
            Thread.sleep(200);
        }
    }

    String clientUrl(int i) {
        return "http://127.0.0.1:" + clientPorts[i];
    }

    /** {@code 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3}. */
    String endpoints() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < MEMBERS; i++) {
            s.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clientPorts[i]);
        }
        return s.toString();
    }

    record HttpResult(int status, String contentType, String body) {
    }

    static HttpResult get(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            int status = c.getResponseCode();
            String body = new String((status < 400 ? c.getInputStream() : c.getErrorStream()).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
            return new HttpResult(status, c.getContentType(), body);
        } catch (IOException | RuntimeException e) {
            return new HttpResult(-1, null, String.valueOf(e));
        }
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }
}
