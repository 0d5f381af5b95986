package io.etch.raft;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything the raft layer needs to run one member.
 *
 * @param dataDir where the raft log, raft meta and raft snapshots live ({@code <data-dir>/member/raft})
 * @param self this member (must be one of {@code members})
 * @param members the bootstrap cluster from {@code --initial-cluster}, in flag order
 * @param clusterId etcd cluster ID computed from the members ({@link MemberIds#clusterId})
 * @param electionTimeoutMs {@code --election-timeout} in milliseconds (etcd default 1000)
 * @param heartbeatIntervalMs {@code --heartbeat-interval} in milliseconds (etcd default 100)
 * @param snapshotCount applied entries between raft snapshots ({@code --snapshot-count}, etcd default 100000)
 * @param requestTimeoutMs how long a proposal may wait for its result before {@code request timed out}
 *     (etcd: 5 s + 2 × election timeout)
 * @param listenPeerHost the address the peer port binds to ({@code --listen-peer-urls} host)
 * @param listenPeerPort the peer port
 */
public record RaftConfig(
        Path dataDir,
        ClusterMember self,
        List<ClusterMember> members,
        long clusterId,
        int electionTimeoutMs,
        int heartbeatIntervalMs,
        long snapshotCount,
        long requestTimeoutMs,
        String listenPeerHost,
        int listenPeerPort) {
    public RaftConfig {
        members = List.copyOf(members);
        if (members.stream().noneMatch(m -> m.id() == self.id())) {
            throw new IllegalArgumentException("member " + self.name() + " is not in the initial cluster");
        }
        if (heartbeatIntervalMs <= 0 || electionTimeoutMs < 5 * heartbeatIntervalMs) {
            throw new IllegalArgumentException(
                    "--election-timeout[" + electionTimeoutMs + "ms] should be at least as 5 times as --heartbeat-interval["
                            + heartbeatIntervalMs + "ms]");
        }
    }

    /** The member whose raft endpoint is {@code host:port}, or null. */
    public ClusterMember memberAt(String endpoint) {
        for (ClusterMember m : members) {
            if (m.endpoint().equals(endpoint)) {
                return m;
            }
        }
        return null;
    }
}
