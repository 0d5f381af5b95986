package io.etch.storage.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The interval tree against brute force, and the worked example of its javadoc. */
class IntervalTreeTest {
    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void javadocExample() {
        IntervalTree<String> t = new IntervalTree<>();
        t.add(b("a"), b("c"), "w1");
        t.add(b("b"), null, "w2");
        t.add(b("b"), b("b\0"), "w3");
        assertThat(stab(t, "b")).containsExactlyInAnyOrder("w1", "w2", "w3");
        assertThat(stab(t, "c")).containsExactly("w2");
        assertThat(stab(t, "a")).containsExactly("w1");
        assertThat(stab(t, "0")).isEmpty();
        assertThat(t.remove(b("b"), null, "w2")).isTrue();
        assertThat(t.remove(b("b"), null, "w2")).isFalse();
        assertThat(stab(t, "c")).isEmpty();
        assertThat(t.intervals()).isEqualTo(2);
    }

    @Test
    void matchesBruteForceUnderRandomAddsAndRemoves() {
        Random rnd = new Random(42);
        record Iv(ByteString start, ByteString end, int id) {
            boolean contains(ByteString p) {
                var c = ByteString.unsignedLexicographicalComparator();
                return c.compare(start, p) <= 0 && (end == null || c.compare(p, end) < 0);
            }
        }
        IntervalTree<Integer> tree = new IntervalTree<>();
        List<Iv> live = new ArrayList<>();
        for (int step = 0; step < 5000; step++) {
            if (live.isEmpty() || rnd.nextInt(3) > 0) {
                ByteString s = randomKey(rnd);
                ByteString e = rnd.nextInt(5) == 0 ? null : randomKey(rnd);
                if (e != null && ByteString.unsignedLexicographicalComparator().compare(s, e) >= 0) {
                    continue;
                }
                Iv iv = new Iv(s, e, step);
                live.add(iv);
                tree.add(s, e, step);
            } else {
                Iv iv = live.remove(rnd.nextInt(live.size()));
                assertThat(tree.remove(iv.start, iv.end, iv.id)).isTrue();
            }
            ByteString p = randomKey(rnd);
            Set<Integer> expected = new HashSet<>();
            for (Iv iv : live) {
                if (iv.contains(p)) {
                    expected.add(iv.id);
                }
            }
            Set<Integer> got = new HashSet<>();
            tree.stab(p, got::add);
            assertThat(got).as("stab %s at step %d", p, step).isEqualTo(expected);
            assertThat(tree.contains(p)).isEqualTo(!expected.isEmpty());
        }
    }

    private static ByteString randomKey(Random rnd) {
        byte[] k = new byte[1 + rnd.nextInt(3)];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (rnd.nextInt(6) * 50); // includes bytes >= 0x80
        }
        return ByteString.copyFrom(k);
    }

    private static List<String> stab(IntervalTree<String> t, String p) {
        List<String> out = new ArrayList<>();
        t.stab(b(p), out::add);
        return out;
    }
}
