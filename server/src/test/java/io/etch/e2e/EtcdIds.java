package io.etch.e2e;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * etcd's deterministic bootstrap IDs (reference §5, {@code etcdserver/api/membership/member.go},
 * {@code cluster.go}), recomputed independently of the server under test.
 *
 * <p>Worked example (verified on etcd 3.4.23): {@code default=http://127.0.0.1:23800} with token
 * {@code etcd-cluster} gives member {@code 2e1259d415f2a040} and cluster {@code 48276a8f75b6a87}.
 */
final class EtcdIds {

    private EtcdIds() {
    }

    /** First 8 bytes (big-endian) of SHA-1(join("", sorted peer URLs) + token); no timestamp at bootstrap. */
    static long memberId(List<String> peerUrls, String token) {
        List<String> sorted = new ArrayList<>(peerUrls);
        sorted.sort(null);
        return first8(sha1((String.join("", sorted) + token).getBytes(StandardCharsets.UTF_8)));
    }

    /** First 8 bytes (big-endian) of SHA-1(concat BE64(member id) for ids sorted ascending as uint64). */
    static long clusterId(Collection<Long> memberIds) {
        List<Long> sorted = new ArrayList<>(memberIds);
        sorted.sort(Long::compareUnsigned);
        ByteBuffer buf = ByteBuffer.allocate(8 * sorted.size());
        sorted.forEach(buf::putLong);
        return first8(sha1(buf.array()));
    }

    /** {@code %x} as Go prints a uint64: lower-case hex, no padding. */
    static String hex(long id) {
        return Long.toHexString(id);
    }

    static String decimal(long id) {
        return Long.toUnsignedString(id);
    }

    private static long first8(byte[] digest) {
        return ByteBuffer.wrap(digest, 0, 8).getLong();
    }

    private static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
