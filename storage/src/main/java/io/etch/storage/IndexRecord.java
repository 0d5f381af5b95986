package io.etch.storage;

/**
 * The {@code index} family's value: a key's latest state, so a read at the current revision needs no
 * history walk. For a deleted key {@code mod} is the tombstone's revision and the other fields are 0.
 * Codec: 41 bytes {@code BE64 modMain, BE64 modSub, BE64 createRevision, BE64 version, BE64 lease, 1 flag}.
 *
 * <p>Example: put a@2, put a@3, delete a@4 → {@code (2,0,c=2,v=1)}, {@code (3,0,c=2,v=2)},
 * {@code (4,0,deleted)}; a later put a@6 → {@code (6,0,c=6,v=1)}.
 */
record IndexRecord(Revision mod, long createRevision, long version, long lease, boolean deleted) {
    private static final int BYTES = 41;

    static IndexRecord live(Revision mod, long createRevision, long version, long lease) {
        return new IndexRecord(mod, createRevision, version, lease, false);
    }

    static IndexRecord tombstone(Revision mod) {
        return new IndexRecord(mod, 0, 0, 0, true);
    }

    byte[] encode() {
        byte[] b = new byte[BYTES];
        mod.writeTo(b, 0);
        Bytes.putLong(b, 16, createRevision);
        Bytes.putLong(b, 24, version);
        Bytes.putLong(b, 32, lease);
        b[40] = (byte) (deleted ? 1 : 0);
        return b;
    }

    static IndexRecord decode(byte[] b) {
        if (b.length != BYTES) {
            throw new IllegalStateException("corrupt index record of " + b.length + " bytes");
        }
        return new IndexRecord(Revision.read(b, 0), Bytes.getLong(b, 16), Bytes.getLong(b, 24),
                Bytes.getLong(b, 32), b[40] != 0);
    }
}
