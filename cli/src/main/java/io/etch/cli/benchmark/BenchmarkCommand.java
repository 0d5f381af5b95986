package io.etch.cli.benchmark;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code etchctl benchmark}: etcd's benchmark workloads ({@code tools/benchmark} of etcd 3.4) against any
 * etcd-API endpoints. The shared flags are etcd's ({@code --endpoints --conns --clients --target-leader
 * --precise --cacert --cert --key --dial-timeout}) and may be given before or after the workload name;
 * {@code -w json} prints one JSON object per report line instead of etcd's text report.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "A low-level benchmark tool for etcd-API servers (etcd's tools/benchmark workloads).",
        subcommands = {PutCommand.class, RangeCommand.class, TxnPutCommand.class, WatchCommand.class,
                WatchLatencyCommand.class, LeaseKeepaliveCommand.class})
public final class BenchmarkCommand {

    /** Shared flags, set from the parent or any subcommand. */
    static final class Global {
        List<String> endpoints = new ArrayList<>(List.of("127.0.0.1:2379"));
        int conns = 1;
        int clients = 1;
        boolean targetLeader;
        boolean precise;
        String cacert;
        String cert;
        String key;
        /** Set by {@code --dial-timeout}; 0 or less means the default of 10 s. */
        long dialTimeoutMillis;
        String writeOut = "simple";
        String progress = "auto";
        /** Untimed requests before the clock ({@code --warm-up}); see {@link WarmUp}. */
        int warmUp = DEFAULT_WARM_UP;

        List<String> endpoints() {
            List<String> out = new ArrayList<>();
            for (String e : endpoints) {
                for (String part : e.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim());
                    }
                }
            }
            return out;
        }

        long dialTimeoutMs() {
            return dialTimeoutMillis > 0 ? dialTimeoutMillis : TimeUnit.SECONDS.toMillis(10);
        }

        boolean json() {
            return "json".equalsIgnoreCase(writeOut);
        }
    }

    /** Default of {@code --warm-up}. */
    static final int DEFAULT_WARM_UP = 2000;

    final Global global = new Global();

    @Option(names = "--endpoints", scope = ScopeType.INHERIT, split = ",", paramLabel = "<host:port>",
            description = "gRPC endpoints (comma-separated; http:// or https:// prefixes accepted). "
                    + "Default: 127.0.0.1:2379")
    void endpoints(List<String> v) {
        global.endpoints = new ArrayList<>(v);
    }

    @Option(names = "--conns", scope = ScopeType.INHERIT, description = "Total number of gRPC connections (default 1)")
    void conns(int v) {
        global.conns = v;
    }

    @Option(names = "--clients", scope = ScopeType.INHERIT, description = "Total number of gRPC clients (default 1)")
    void clients(int v) {
        global.clients = v;
    }

    @Option(names = "--target-leader", scope = ScopeType.INHERIT, description = "connect only to the leader node")
    void targetLeader(boolean v) {
        global.targetLeader = v;
    }

    @Option(names = "--precise", scope = ScopeType.INHERIT, description = "use full floating point precision")
    void precise(boolean v) {
        global.precise = v;
    }

    @Option(names = "--cacert", scope = ScopeType.INHERIT,
            description = "verify certificates of TLS-enabled servers using this CA bundle")
    void cacert(String v) {
        global.cacert = v;
    }

    @Option(names = "--cert", scope = ScopeType.INHERIT, description = "identify secure client using this TLS certificate file")
    void cert(String v) {
        global.cert = v;
    }

    @Option(names = "--key", scope = ScopeType.INHERIT, description = "identify secure client using this TLS key file")
    void key(String v) {
        global.key = v;
    }

    @Option(names = "--dial-timeout", scope = ScopeType.INHERIT, paramLabel = "<duration>",
            description = "dial timeout for client connections, as etcd's tool takes it (10s, 500ms, 1m30s; "
                    + "a bare number is seconds; default 10s)")
    void dialTimeout(String v) {
        global.dialTimeoutMillis = parseDialTimeout(v);
    }

    /**
     * A Go-style duration of whole units ({@code 10s}, {@code 1.5s}, {@code 500ms}, {@code 1m30s},
     * {@code 1h}) or a bare number of seconds, in milliseconds.
     *
     * @throws picocli.CommandLine.TypeConversionException when {@code text} is neither
     */
    static long parseDialTimeout(String text) {
        String t = text.trim();
        try {
            if (t.matches("\\d+")) {
                return TimeUnit.SECONDS.toMillis(Long.parseLong(t));
            }
            if (t.endsWith("ms")) {
                return (long) Double.parseDouble(t.substring(0, t.length() - 2));
            }
            return java.time.Duration.parse("PT" + t.toUpperCase(java.util.Locale.ROOT)).toMillis();
        } catch (RuntimeException e) {
            throw new picocli.CommandLine.TypeConversionException("invalid duration \"" + text + "\"");
        }
    }

    @Option(names = {"-w", "--write-out"}, scope = ScopeType.INHERIT,
            description = "output format: simple (etcd's report) or json (one object per report)")
    void writeOut(String v) {
        if (!"simple".equalsIgnoreCase(v) && !"json".equalsIgnoreCase(v)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--write-out must be simple or json, not " + v);
        }
        global.writeOut = v;
    }

    @Option(names = "--progress", scope = ScopeType.INHERIT,
            description = "progress bar on stderr: auto (when attached to a terminal), always, never")
    void progress(String v) {
        global.progress = v;
    }

    @Option(names = "--warm-up", scope = ScopeType.INHERIT, paramLabel = "<n>",
            description = "untimed serializable one-key Ranges sent before the clock starts, after one per "
                    + "connection, so that the client's JIT warm-up is not measured (etchctl only; default "
                    + DEFAULT_WARM_UP + ", 0 = only the one per connection)")
    void warmUp(int v) {
        if (v < 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--warm-up must be 0 or more, not " + v);
        }
        global.warmUp = v;
    }

    /** A progress bar for {@code total} steps, shown per {@code --progress}. */
    Progress progress(long total) {
        boolean on = switch (global.progress.toLowerCase(java.util.Locale.ROOT)) {
            case "always" -> true;
            case "never" -> false;
            default -> System.console() != null;
        };
        return new Progress(total, on, System.err);
    }

    /** Opens {@code --conns} connections (at least {@code min}). */
    Connections connect(int min) throws java.io.IOException {
        return Connections.open(global, Math.max(global.conns, min));
    }

    /** Prints a human note: stdout in simple mode (like etcd), stderr in JSON mode. */
    void note(String line) {
        (global.json() ? System.err : System.out).println(line);
    }

    /** Prints reports in the chosen format; returns 0, or 1 when any report has errors and no successes. */
    int print(String heading, Summary s) {
        PrintStream out = System.out;
        if (global.json()) {
            out.println(s.json());
        } else {
            if (heading != null) {
                out.print(heading);
            }
            out.print(s.text(global.precise));
            out.println();
        }
        out.flush();
        return s.requests() == 0 && s.errorCount() > 0 ? 1 : 0;
    }
}
