package io.etch.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The shared part of both cluster implementations: free ports, work dirs, member processes, logs,
 * health and leader polling. Subclasses only say which executable to run.
 */
abstract class ProcessCluster implements Cluster {

    private static final int MEMBERS = 3;
    private static final int START_ATTEMPTS = 3;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration TEARDOWN_GRACE = Duration.ofSeconds(3);
    /** Per-probe bound for etcdctl calls made while polling (health, status). */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    /** Every live member process in this JVM, so that a shutdown hook can kill what a crash leaves. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    /** Ports handed out in this JVM; never handed out twice. */
    private static final Set<Integer> USED_PORTS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }), "e2e-process-reaper"));
    }

    private final String label;
    private final List<String> extraFlags;
    private final String token;
    private final Path workDir;
    private final Map<String, Process> processes = new HashMap<>();
    private List<Member> members = List.of();

    ProcessCluster(String label, List<String> extraFlags) {
        this.label = label;
        this.extraFlags = List.copyOf(extraFlags);
        this.token = "e2e-" + label.toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8);
        Path base = Path.of(System.getProperty("e2e.workdir", System.getProperty("java.io.tmpdir")));
        try {
            Files.createDirectories(base);
            this.workDir = Files.createTempDirectory(base, "etch-e2e-" + label + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The executable and any fixed leading arguments, e.g. {@code [/usr/bin/etcd]}. */
    protected abstract List<String> executable();

    /** Hook for extra environment variables of a member process. */
    protected void configureEnvironment(Map<String, String> env) {
    }

    @Override
    public void start() {
        for (int attempt = 1; ; attempt++) {
            members = allocateMembers(attempt);
            members.forEach(this::launch);
            try {
                waitStarted(START_TIMEOUT);
                return;
            } catch (MemberExited e) {
                System.err.println("[e2e] start attempt " + attempt + " of " + label + " failed: " + e.getMessage());
                printLogTails(System.err, 30);
                stopAll();
                if (!portConflict(e.member)) {
                    throw new AssertionError("cluster " + label + " did not start: " + e.getMessage(), e);
                }
                if (attempt == START_ATTEMPTS) {
                    throw new AssertionError("cluster " + label + " did not start after " + attempt + " attempts", e);
                }
            } catch (AssertionError | RuntimeException e) {
                printLogTails(System.err, 60);
                stopAll();
                throw e;
            }
        }
    }

    private List<Member> allocateMembers(int attempt) {
        List<Integer> ports = freePorts(2 * MEMBERS);
        List<Member> list = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            String name = "n" + (i + 1);
            Path dir = workDir.resolve("attempt" + attempt);
            list.add(new Member(name, ports.get(2 * i), ports.get(2 * i + 1),
                    dir.resolve(name + ".data"), dir.resolve(name + ".log")));
        }
        return List.copyOf(list);
    }

    /** Ports the OS says are free right now (all held open together so they are distinct). */
    private static List<Integer> freePorts(int n) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            while (sockets.size() < n) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                if (USED_PORTS.add(s.getLocalPort())) {
                    sockets.add(s);
                } else {
                    s.close();
                }
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a probe socket
                }
            }
        }
    }

    private List<String> flags(Member m) {
        String initialCluster = members.stream()
                .map(x -> x.name() + "=" + x.peerUrl())
                .collect(Collectors.joining(","));
        List<String> cmd = new ArrayList<>(executable());
        cmd.addAll(List.of(
                "--name", m.name(),
                "--data-dir", m.dataDir().toString(),
                "--listen-client-urls", m.clientUrl(),
                "--advertise-client-urls", m.clientUrl(),
                "--listen-peer-urls", m.peerUrl(),
                "--initial-advertise-peer-urls", m.peerUrl(),
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", token,
                "--heartbeat-interval", Integer.toString(HEARTBEAT_INTERVAL_MS),
                "--election-timeout", Integer.toString(ELECTION_TIMEOUT_MS)));
        cmd.addAll(extraFlags);
        return cmd;
    }

    private void launch(Member m) {
        if (isRunning(m)) {
            throw new IllegalStateException(m + " is already running");
        }
        try {
            Files.createDirectories(m.logFile().getParent());
            List<String> cmd = flags(m);
            Files.writeString(m.logFile(), "=== [e2e] " + java.time.Instant.now() + " starting: "
                            + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(m.logFile().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_") || k.startsWith("ETCDCTL_"));
            configureEnvironment(pb.environment());
            Process p = pb.start();
            LIVE.add(p);
            processes.put(m.name(), p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + m, e);
        }
    }

    private void waitStarted(Duration timeout) {
        Await.until("all members of " + label + " healthy", timeout, () -> {
            for (Member m : members) {
                Process p = processes.get(m.name());
                if (p != null && !p.isAlive()) {
                    throw new MemberExited(m, m + " exited with code " + p.exitValue() + " during start");
                }
            }
            return healthyNow(members) ? Optional.of(true) : Optional.empty();
        });
    }

    /** A member process died while the cluster was starting. */
    private static final class MemberExited extends Await.Abort {
        final Member member;

        MemberExited(Member member, String message) {
            super(message);
            this.member = member;
        }
    }

    /** Whether the member's log says it could not bind a port (another process took it): worth a retry. */
    private static boolean portConflict(Member m) {
        try {
            String log = Files.exists(m.logFile()) ? Files.readString(m.logFile(), StandardCharsets.UTF_8) : "";
            return log.matches("(?is).*(address already in use|BindException|bind: ).*");
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private boolean healthyNow(List<Member> which) {
        for (Member m : which) {
            Etcdctl.Result r = etcdctl(m).withTimeout(PROBE_TIMEOUT)
                    .run("endpoint", "health", "--command-timeout=2s", "--dial-timeout=1s");
            if (r.exitCode() != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public List<Member> members() {
        return members;
    }

    @Override
    public Member member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member " + name));
    }

    @Override
    public String token() {
        return token;
    }

    @Override
    public List<String> endpoints() {
        return members.stream().map(Member::clientUrl).toList();
    }

    @Override
    public boolean isRunning(Member m) {
        Process p = processes.get(m.name());
        return p != null && p.isAlive();
    }

    @Override
    public List<Member> runningMembers() {
        return members.stream().filter(this::isRunning).toList();
    }

    @Override
    public void stop(Member m) {
        Process p = requireProcess(m);
        p.destroy();
        awaitExit(m, p, STOP_TIMEOUT);
    }

    @Override
    public void kill(Member m) {
        Process p = requireProcess(m);
        p.destroyForcibly();
        awaitExit(m, p, STOP_TIMEOUT);
    }

    private Process requireProcess(Member m) {
        Process p = processes.get(m.name());
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(m + " is not running");
        }
        return p;
    }

    private void awaitExit(Member m, Process p, Duration timeout) {
        List<ProcessHandle> children = p.descendants().toList();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                if (timeout.compareTo(TEARDOWN_GRACE) > 0) { // not worth a line during teardown
                    System.err.println("[e2e] " + m + " did not exit within " + timeout + "; killing it");
                }
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        LIVE.remove(p);
        processes.remove(m.name());
    }

    @Override
    public void restart(Member m) {
        launch(m);
    }

    @Override
    public void ensureAllRunning(Duration timeout) {
        for (Member m : members) {
            if (!isRunning(m)) {
                Process old = processes.remove(m.name());
                if (old != null) {
                    LIVE.remove(old);
                }
                launch(m);
            }
        }
        waitHealthy(timeout);
    }

    @Override
    public void waitHealthy(Duration timeout) {
        Await.untilTrue("running members " + runningMembers() + " healthy", timeout,
                () -> healthyNow(runningMembers()));
    }

    @Override
    public Optional<Member> findLeader() {
        Map<Long, Member> byId = new HashMap<>();
        for (Member m : members) {
            byId.put(EtcdIds.memberId(List.of(m.peerUrl()), token), m);
        }
        Set<Long> reported = new HashSet<>();
        for (Member m : runningMembers()) {
            Etcdctl.Result r = etcdctl(m).withTimeout(PROBE_TIMEOUT)
                    .run("endpoint", "status", "-w", "json", "--command-timeout=2s", "--dial-timeout=1s");
            if (r.exitCode() != 0) {
                return Optional.empty();
            }
            JsonNode status = Json.parse(r.stdout()).get(0).get("Status");
            reported.add(Json.u64(status, "leader"));
        }
        if (reported.size() != 1) {
            return Optional.empty();
        }
        Member leader = byId.get(reported.iterator().next());
        return leader != null && isRunning(leader) ? Optional.of(leader) : Optional.empty();
    }

    @Override
    public Member leader(Duration timeout) {
        return Await.until("a leader agreed on by all running members", timeout, this::findLeader);
    }

    @Override
    public Etcdctl etcdctl() {
        return new Etcdctl(endpoints());
    }

    @Override
    public Etcdctl etcdctl(Member m) {
        return new Etcdctl(List.of(m.clientUrl()));
    }

    @Override
    public void printLogTails(PrintStream out, int lines) {
        for (Member m : members) {
            out.println("----- [e2e] last " + lines + " lines of " + m.name() + " log (" + m.logFile() + ") -----");
            try {
                List<String> all = Files.exists(m.logFile())
                        ? Files.readAllLines(m.logFile(), StandardCharsets.UTF_8) : List.of();
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(out::println);
            } catch (IOException | UncheckedIOException e) {
                out.println("(cannot read: " + e + ")");
            }
        }
        out.flush();
    }

    /**
     * Teardown: SIGTERM everyone at once, then SIGKILL whoever is still running after a short grace
     * period (etcd members stopping together wait for each other for several seconds; the data is
     * thrown away anyway). Graceful shutdown itself is exercised by {@link #stop(Member)}.
     */
    private void stopAll() {
        Map<Member, Process> running = new LinkedHashMap<>();
        for (Member m : members) {
            Process p = processes.get(m.name());
            if (p != null) {
                p.destroy();
                running.put(m, p);
            }
        }
        long deadline = System.nanoTime() + TEARDOWN_GRACE.toNanos();
        running.forEach((m, p) -> awaitExit(m, p, Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
        processes.clear();
    }

    @Override
    public void close(boolean keepFiles) {
        stopAll();
        if (keepFiles) {
            System.err.println("[e2e] keeping work dir of " + label + ": " + workDir);
        } else {
            deleteRecursively(workDir);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort cleanup of a temp dir
                }
            });
        } catch (IOException ignored) {
            // best effort cleanup of a temp dir
        }
    }
}
