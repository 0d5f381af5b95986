package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import java.security.SecureRandom;
import java.util.concurrent.ThreadLocalRandom;

/** Keys and values as etcd's benchmark makes them. */
final class Keys {
    private Keys() {
    }

    /**
     * A {@code size}-byte key holding {@code n} as a Go signed varint ({@code binary.PutVarint}: zig-zag,
     * 7 bits per byte, low first), zero padded; the varint is cut to {@code size} bytes when longer.
     * Example: n = 1, size = 8 → {@code 02 00 00 00 00 00 00 00}.
     */
    static ByteString varintKey(long n, int size) {
        byte[] k = new byte[size];
        long u = (n << 1) ^ (n >> 63);
        int i = 0;
        while (u >= 0x80 && i < size) {
            k[i++] = (byte) (u | 0x80);
            u >>>= 7;
        }
        if (i < size) {
            k[i] = (byte) u;
        }
        return ByteString.copyFrom(k);
    }

    /** Key number {@code seq} of a run: sequential ({@code seq mod space}) or uniformly random. */
    static long keyNumber(long seq, long space, boolean sequential) {
        return sequential ? seq % space : ThreadLocalRandom.current().nextLong(space);
    }

    /** {@code n} random bytes (etcd's {@code mustRandBytes}). */
    static ByteString randomBytes(int n) {
        byte[] b = new byte[Math.max(0, n)];
        new SecureRandom().nextBytes(b);
        return ByteString.copyFrom(b);
    }

    /** {@code n} random letters (etcd's {@code stringutil.RandString}). */
    static ByteString randomString(int n) {
        byte[] b = new byte[Math.max(0, n)];
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) ('a' + r.nextInt(26));
        }
        return ByteString.copyFrom(b);
    }
}
