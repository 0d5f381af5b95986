package io.etch.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Table tests of etcd's range-end conventions (reference §3.3); keys written in hex. */
class KeyRangeTest {
    private static byte[] hex(String s) {
        return s == null || s.equals("-") ? new byte[0] : HexFormat.of().parseHex(s);
    }

    @ParameterizedTest(name = "[{0},{1}) contains {2} = {3}")
    @CsvSource({
        // key, range_end ('-' = empty), probe, contained
        "61, -, 61, true", // single key "a"
        "61, -, 6100, false",
        "61, -, 62, false",
        "61, 63, 61, true", // [a, c)
        "61, 63, 6162, true",
        "61, 63, 62ff, true",
        "61, 63, 63, false",
        "61, 63, 60, false",
        "61, 00, 61, true", // from-key "a"
        "61, 00, 7a7a7a, true",
        "61, 00, ff, true",
        "61, 00, 60, false",
        "00, 00, 00, true", // whole keyspace
        "00, 00, 01, true",
        "00, 00, ffff, true",
        "63, 61, 62, false", // range_end <= key: empty
        "63, 63, 63, false",
        "7f, 80, 7f10, true", // unsigned byte order: 0x80 > 0x7f
        "80, ff, 7f, false",
        "80, ff, 80ff, true",
    })
    void containsFollowsEtcdRules(String key, String end, String probe, boolean contained) {
        assertThat(KeyRange.of(hex(key), hex(end)).contains(hex(probe))).isEqualTo(contained);
    }

    @ParameterizedTest(name = "[{0},{1}) single={2} fromKey={3} empty={4}")
    @CsvSource({
        "61, -, true, false, false",
        "61, 00, false, true, false",
        "00, 00, false, true, false",
        "61, 62, false, false, false",
        "62, 61, false, false, true",
        "61, 61, false, false, true",
        "61, 0000, false, false, true", // "\0\0" is not the from-key marker: bounded and below "a"
    })
    void shapes(String key, String end, boolean single, boolean fromKey, boolean empty) {
        KeyRange r = KeyRange.of(hex(key), hex(end));
        assertThat(r.isSingleKey()).isEqualTo(single);
        assertThat(r.isFromKey()).isEqualTo(fromKey);
        assertThat(r.isEmpty()).isEqualTo(empty);
        assertThat(r.rangeEnd()).isEqualTo(hex(end));
    }

    @ParameterizedTest(name = "prefixEnd({0}) = {1}")
    @CsvSource({
        "61, 62",
        "6162, 6163",
        "61ff, 62",
        "61ffff, 62",
        "ff, 00",
        "ffff, 00",
        "-, 00",
        "7f, 80",
        "00, 01",
    })
    void prefixEndIsClientV3GetPrefix(String key, String expected) {
        assertThat(KeyRange.prefixEnd(hex(key))).isEqualTo(hex(expected));
    }

    @ParameterizedTest(name = "prefix {0} contains {1} = {2}")
    @CsvSource({
        "61, 61, true",
        "61, 61ff, true",
        "61, 62, false",
        "ff, ff00, true",
        "ff, fe, false",
    })
    void prefixRanges(String prefix, String probe, boolean contained) {
        assertThat(KeyRange.prefix(hex(prefix)).contains(hex(probe))).isEqualTo(contained);
    }
}
