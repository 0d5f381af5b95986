package io.etch.e2e;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Helpers to compare etcdctl output: normalising what legitimately differs between runs (timings,
 * terms, IDs) and re-creating etcdctl's own formatting (tables, humanized sizes) from data.
 */
final class Outputs {

    /** A Go {@code time.Duration} as printed by {@code %v}: {@code 3.19281ms}, {@code 850.1µs}, {@code 1.2s}, {@code 1m2s}. */
    static final String GO_DURATION = "[0-9][0-9.hmµun]*s";

    private static final Pattern TOOK_SIMPLE = Pattern.compile("took = " + GO_DURATION);
    private static final Pattern TOOK_JSON = Pattern.compile("\"took\":\"" + GO_DURATION + "\"");
    private static final Pattern RAFT_TERM_JSON = Pattern.compile("\"raft_term\":[1-9][0-9]*");

    private Outputs() {
    }

    /** {@code took = 9.6ms} → {@code took = <T>}; {@code "took":"9.6ms"} → {@code "took":"<T>"}. */
    static String normalizeTook(String s) {
        s = TOOK_SIMPLE.matcher(s).replaceAll("took = <T>");
        return TOOK_JSON.matcher(s).replaceAll("\"took\":\"<T>\"");
    }

    /** {@code "raft_term":7} → {@code "raft_term":<TERM>} (only positive terms match). */
    static String normalizeRaftTerm(String json) {
        return RAFT_TERM_JSON.matcher(json).replaceAll("\"raft_term\":<TERM>");
    }

    /**
     * Replaces the cluster's IDs (decimal as in JSON, {@code %x} hex as in tables) by {@code <cluster>}
     * and {@code <member:nX>}, for differential comparison of outputs between etcd and Etch.
     */
    static String normalizeIds(String s, Cluster cluster) {
        List<Long> ids = new ArrayList<>();
        for (Member m : cluster.members()) {
            long id = EtcdIds.memberId(List.of(m.peerUrl()), cluster.token());
            ids.add(id);
            s = s.replace(EtcdIds.decimal(id), "<member:" + m.name() + ">")
                    .replace(EtcdIds.hex(id), "<member:" + m.name() + ">");
        }
        long cid = EtcdIds.clusterId(ids);
        return s.replace(EtcdIds.decimal(cid), "<cluster>").replace(EtcdIds.hex(cid), "<cluster>");
    }

    /** go-humanize {@code Bytes}: SI units, e.g. 20480 → {@code 20 kB}, 1500000 → {@code 1.5 MB}, 9 → {@code 9 B}. */
    static String humanizeBytes(long n) {
        if (n < 10) {
            return n + " B";
        }
        String[] sizes = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        int e = (int) Math.floor(Math.log(n) / Math.log(1000));
        double val = Math.floor(n / Math.pow(1000, e) * 10 + 0.5) / 10;
        // Go's %.1f / %.0f round the exact binary value half-to-even (20.5 → "20").
        return new BigDecimal(val).setScale(val < 10 ? 1 : 0, RoundingMode.HALF_EVEN).toPlainString() + " " + sizes[e];
    }

    /**
     * The table etcdctl prints with {@code -w table} (olekukonko/tablewriter, {@code ALIGN_RIGHT}):
     * headers centred, cells right-aligned, one space of padding, {@code +---+} borders.
     */
    static String table(List<String> headers, List<List<String>> rows) {
        int[] width = new int[headers.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = headers.get(i).length();
            for (List<String> row : rows) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        StringBuilder border = new StringBuilder("+");
        for (int w : width) {
            border.append("-".repeat(w + 2)).append('+');
        }
        border.append('\n');
        StringBuilder out = new StringBuilder(border);
        out.append('|');
        for (int i = 0; i < width.length; i++) {
            String h = headers.get(i);
            int gap = width[i] - h.length();
            int left = gap / 2;
            out.append(' ').append(" ".repeat(left)).append(h).append(" ".repeat(gap - left)).append(" |");
        }
        out.append('\n').append(border);
        for (List<String> row : rows) {
            out.append('|');
            for (int i = 0; i < width.length; i++) {
                String c = row.get(i);
                out.append(' ').append(" ".repeat(width[i] - c.length())).append(c).append(" |");
            }
            out.append('\n');
        }
        out.append(border);
        return out.toString();
    }
}
