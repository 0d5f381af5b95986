package io.etch.raft;

import java.net.URI;
import java.util.List;

/**
 * One bootstrap member as {@code --initial-cluster} names it: etcd's member ID, its name and peer URLs.
 * The raft endpoint is the host and port of the first peer URL.
 *
 * @param id etcd member ID ({@link MemberIds#memberId}), non-zero
 * @param name the member's {@code --name}
 * @param peerUrls its peer URLs, non-empty, as given (e.g. {@code http://127.0.0.1:2380})
 */
public record ClusterMember(long id, String name, List<String> peerUrls) {
    public ClusterMember {
        peerUrls = List.copyOf(peerUrls);
        if (peerUrls.isEmpty()) {
            throw new IllegalArgumentException("member " + name + " has no peer URL");
        }
    }

    /** Host of the first peer URL (the raft endpoint's host). */
    public String peerHost() {
        return URI.create(peerUrls.get(0)).getHost();
    }

    /** Port of the first peer URL; 2380 when the URL has none (etcd's default peer port). */
    public int peerPort() {
        int port = URI.create(peerUrls.get(0)).getPort();
        return port < 0 ? 2380 : port;
    }

    /** The raft endpoint as jraft writes a peer: {@code host:port}. */
    public String endpoint() {
        return peerHost() + ":" + peerPort();
    }
}
