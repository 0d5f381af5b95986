package io.etch.raft;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * etcd's deterministic member and cluster IDs (etcd {@code etcdserver/api/membership/member.go} and
 * {@code cluster.go}; reference §5).
 *
 * <p>Worked example (verified on etcd 3.4.23): peer URL {@code http://127.0.0.1:23800} with token
 * {@code etcd-cluster} gives member {@code 2e1259d415f2a040}, and the one-member cluster
 * {@code 48276a8f75b6a87}.
 */
public final class MemberIds {
    private MemberIds() {
    }

    /**
     * Member ID = first 8 bytes (big-endian) of SHA-1 of the sorted, concatenated peer URLs followed by
     * the cluster token. Bootstrap members use no timestamp.
     *
     * @param peerUrls the member's peer URLs, already normalised as etcd prints them (non-empty)
     * @param clusterToken {@code --initial-cluster-token}
     * @return the member ID as an unsigned 64-bit value stored in a long
     */
    public static long memberId(Collection<String> peerUrls, String clusterToken) {
        List<String> sorted = new ArrayList<>(peerUrls);
        sorted.sort(null);
        String joined = String.join("", sorted) + clusterToken;
        return first8(sha1(joined.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Cluster ID = first 8 bytes (big-endian) of SHA-1 of the member IDs sorted ascending (unsigned),
     * each as 8 big-endian bytes.
     *
     * @param memberIds every bootstrap member's ID
     * @return the cluster ID
     */
    public static long clusterId(Collection<Long> memberIds) {
        List<Long> sorted = new ArrayList<>(memberIds);
        sorted.sort(Long::compareUnsigned);
        ByteBuffer buf = ByteBuffer.allocate(8 * sorted.size());
        for (long id : sorted) {
            buf.putLong(id);
        }
        return first8(sha1(buf.array()));
    }

    /** Lower-case hex without leading zeros, as etcd prints IDs with {@code %x}. */
    public static String hex(long id) {
        return Long.toHexString(id);
    }

    private static long first8(byte[] digest) {
        return ByteBuffer.wrap(digest, 0, 8).getLong();
    }

    private static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every JVM", e);
        }
    }
}
