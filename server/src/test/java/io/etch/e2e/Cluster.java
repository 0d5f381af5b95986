package io.etch.e2e;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A 3-member cluster of real processes on loopback, started with etcd's flags.
 *
 * <p>Which server runs is chosen by the system property {@code e2e.target}: {@code etch} (default, the
 * launcher {@code <etch.dist>/bin/etch}) or {@code etcd} (the real {@code /usr/bin/etcd}, the oracle).
 * Every member is started with {@code --name n1..n3 --data-dir --listen/advertise-client-urls
 * --listen-peer-urls --initial-advertise-peer-urls --initial-cluster --initial-cluster-state new
 * --initial-cluster-token --heartbeat-interval 100 --election-timeout 1000} plus the extra flags given.
 *
 * <p>Not thread-safe except {@link #etcdctl()} and the read-only accessors; tests drive it from one thread.
 */
interface Cluster extends AutoCloseable {

    int HEARTBEAT_INTERVAL_MS = 100;
    int ELECTION_TIMEOUT_MS = 1000;

    /**
     * Creates (does not start) a cluster for the configured target.
     *
     * @param label      short name used for the work directory and the cluster token
     * @param extraFlags appended to every member's command line, e.g. {@code --max-txn-ops 3}
     */
    static Cluster create(String label, List<String> extraFlags) {
        String target = System.getProperty("e2e.target", "etch");
        return switch (target) {
            case "etcd" -> new RealEtcdCluster(label, extraFlags);
            case "etch" -> new EtchCluster(label, extraFlags);
            default -> throw new IllegalArgumentException("e2e.target must be etch or etcd, not " + target);
        };
    }

    /** "etcd" or "etch". */
    String target();

    /** Starts all members on fresh free ports and waits until they are healthy; retries with new ports. */
    void start();

    /** n1, n2, n3 in that order. */
    List<Member> members();

    Member member(String name);

    String token();

    /** Client URLs of all members (running or not), in member order. */
    List<String> endpoints();

    boolean isRunning(Member m);

    List<Member> runningMembers();

    /** SIGTERM, then wait for the process to exit (SIGKILL if it does not within a bound). */
    void stop(Member m);

    /** SIGKILL, then wait for the process to exit. */
    void kill(Member m);

    /** Starts a stopped member again from its data dir (same flags); does not wait for health. */
    void restart(Member m);

    /** Restarts every member that is not running, then waits until all are healthy. */
    void ensureAllRunning(Duration timeout);

    /** Waits until {@code etcdctl endpoint health} succeeds on every running member. */
    void waitHealthy(Duration timeout);

    /**
     * The member that every running member reports as leader ({@code endpoint status -w json} on each
     * running endpoint; the leader is the one whose {@code header.member_id == leader}).
     */
    Optional<Member> findLeader();

    /** Polls {@link #findLeader()} until it gives an answer. */
    Member leader(Duration timeout);

    /** etcdctl bound to all members' endpoints. */
    Etcdctl etcdctl();

    /** etcdctl bound to one member's endpoint. */
    Etcdctl etcdctl(Member m);

    /** Prints the last {@code lines} lines of every member's log. */
    void printLogTails(PrintStream out, int lines);

    /** Stops every process (SIGKILL if SIGTERM is not enough); deletes the work dir unless {@code keepFiles}. */
    void close(boolean keepFiles);

    @Override
    default void close() {
        close(false);
    }
}
