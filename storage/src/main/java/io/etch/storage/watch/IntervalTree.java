package io.etch.storage.watch;

import com.google.protobuf.ByteString;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Key intervals {@code [start, end)} (end null: unbounded) over unsigned byte order, each holding a set
 * of values, answering "which intervals contain this key" in {@code O(log n + matches)} expected: a treap
 * ordered by (start, end) whose nodes carry the largest end of their subtree (an augmented interval tree,
 * the role of etcd's {@code adt.IntervalTree} in {@code watcher_group.go}).
 *
 * <p>Example: intervals [a, c) → {w1}, [b, +inf) → {w2}, [b, b\0) → {w3}; stabbing "b" yields w1, w2,
 * w3; "c" yields w2; "a" yields w1. Identical intervals share a node.
 *
 * <p>Not thread-safe.
 */
final class IntervalTree<V> {
    private static final Comparator<ByteString> CMP = ByteString.unsignedLexicographicalComparator();

    private final class Node {
        final ByteString start;
        final ByteString end; // null: +inf
        final int priority;
        final Set<V> values = new LinkedHashSet<>();
        ByteString maxEnd; // null: +inf
        Node left;
        Node right;

        Node(ByteString start, ByteString end, int priority) {
            this.start = start;
            this.end = end;
            this.priority = priority;
            this.maxEnd = end;
        }

        void update() {
            ByteString m = end;
            m = maxOf(m, left);
            m = maxOf(m, right);
            maxEnd = m;
        }

        private ByteString maxOf(ByteString m, Node child) {
            if (child == null || m == null) {
                return child == null ? m : null;
            }
            return child.maxEnd == null ? null : (CMP.compare(child.maxEnd, m) > 0 ? child.maxEnd : m);
        }
    }

    private final SplittableRandom random = new SplittableRandom(0x5eed);
    private Node root;
    private int intervals;

    /** Number of distinct intervals held. */
    int intervals() {
        return intervals;
    }

    /** Adds {@code value} to the interval {@code [start, end)}; {@code end} null means unbounded. */
    void add(ByteString start, ByteString end, V value) {
        root = insert(root, start, end, value);
    }

    /** Removes {@code value} from {@code [start, end)}; returns whether it was there. */
    boolean remove(ByteString start, ByteString end, V value) {
        boolean[] removed = new boolean[1];
        root = delete(root, start, end, value, removed);
        return removed[0];
    }

    /** Calls {@code out} for every value of every interval that contains {@code point}. */
    void stab(ByteString point, Consumer<V> out) {
        stab(root, point, out);
    }

    /** Whether some interval contains {@code point}. */
    boolean contains(ByteString point) {
        return contains(root, point);
    }

    private static int compare(ByteString s1, ByteString e1, ByteString s2, ByteString e2) {
        int c = CMP.compare(s1, s2);
        if (c != 0) {
            return c;
        }
        if (e1 == null || e2 == null) {
            return e1 == null ? (e2 == null ? 0 : 1) : -1;
        }
        return CMP.compare(e1, e2);
    }

    private Node insert(Node n, ByteString start, ByteString end, V value) {
        if (n == null) {
            Node fresh = new Node(start, end, random.nextInt());
            fresh.values.add(value);
            intervals++;
            return fresh;
        }
        int c = compare(start, end, n.start, n.end);
        if (c == 0) {
            n.values.add(value);
            return n;
        }
        if (c < 0) {
            n.left = insert(n.left, start, end, value);
            if (n.left.priority > n.priority) {
                n = rotateRight(n);
            }
        } else {
            n.right = insert(n.right, start, end, value);
            if (n.right.priority > n.priority) {
                n = rotateLeft(n);
            }
        }
        n.update();
        return n;
    }

    private Node delete(Node n, ByteString start, ByteString end, V value, boolean[] removed) {
        if (n == null) {
            return null;
        }
        int c = compare(start, end, n.start, n.end);
        if (c < 0) {
            n.left = delete(n.left, start, end, value, removed);
        } else if (c > 0) {
            n.right = delete(n.right, start, end, value, removed);
        } else {
            removed[0] = n.values.remove(value);
            if (n.values.isEmpty()) {
                intervals--;
                return unlink(n);
            }
        }
        n.update();
        return n;
    }

    /** Removes node {@code n} by rotating it down to a leaf. */
    private Node unlink(Node n) {
        if (n.left == null) {
            return n.right;
        }
        if (n.right == null) {
            return n.left;
        }
        Node top;
        if (n.left.priority > n.right.priority) {
            top = rotateRight(n);
            top.right = unlink(n);
        } else {
            top = rotateLeft(n);
            top.left = unlink(n);
        }
        top.update();
        return top;
    }

    private Node rotateRight(Node n) {
        Node l = n.left;
        n.left = l.right;
        l.right = n;
        n.update();
        l.update();
        return l;
    }

    private Node rotateLeft(Node n) {
        Node r = n.right;
        n.right = r.left;
        r.left = n;
        n.update();
        r.update();
        return r;
    }

    private void stab(Node n, ByteString p, Consumer<V> out) {
        while (n != null) {
            if (n.maxEnd != null && CMP.compare(n.maxEnd, p) <= 0) {
                return;
            }
            stab(n.left, p, out);
            if (CMP.compare(n.start, p) > 0) {
                return;
            }
            if (n.end == null || CMP.compare(p, n.end) < 0) {
                n.values.forEach(out);
            }
            n = n.right;
        }
    }

    private boolean contains(Node n, ByteString p) {
        while (n != null) {
            if (n.maxEnd != null && CMP.compare(n.maxEnd, p) <= 0) {
                return false;
            }
            if (contains(n.left, p)) {
                return true;
            }
            if (CMP.compare(n.start, p) > 0) {
                return false;
            }
            if (n.end == null || CMP.compare(p, n.end) < 0) {
                return true;
            }
            n = n.right;
        }
        return false;
    }
}
