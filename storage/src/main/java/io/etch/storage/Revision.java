package io.etch.storage;

/**
 * An etcd revision {@code (main, sub)}: main increases by one per changing request, sub numbers the
 * changes inside it. Ordered by main then sub. Codec: 16 bytes {@code BE64(main) BE64(sub)}, so
 * unsigned byte order equals revision order (both parts are non-negative).
 */
record Revision(long main, long sub) implements Comparable<Revision> {
    static final int BYTES = 16;

    byte[] toBytes() {
        byte[] b = new byte[BYTES];
        writeTo(b, 0);
        return b;
    }

    void writeTo(byte[] b, int off) {
        Bytes.putLong(b, off, main);
        Bytes.putLong(b, off + 8, sub);
    }

    static Revision read(byte[] b, int off) {
        return new Revision(Bytes.getLong(b, off), Bytes.getLong(b, off + 8));
    }

    @Override
    public int compareTo(Revision o) {
        int c = Long.compare(main, o.main);
        return c != 0 ? c : Long.compare(sub, o.sub);
    }
}
