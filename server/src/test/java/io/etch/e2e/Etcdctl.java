package io.etch.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code /usr/bin/etcdctl} (API v3) against a fixed list of endpoints.
 *
 * <p>Immutable: {@link #withEndpoints}, {@link #withTimeout} return new runners. Thread-safe. Each call
 * starts one etcdctl process, feeds it {@code stdin} (if any), waits up to the process timeout and
 * collects stdout and stderr as UTF-8. {@code ETCDCTL_*} variables inherited from the environment are
 * removed so that only the arguments given here count.
 */
final class Etcdctl {

    static final String BINARY = System.getProperty("e2e.etcdctl", "/usr/bin/etcdctl");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private final List<String> endpoints;
    private final Duration timeout;

    Etcdctl(List<String> endpoints) {
        this(endpoints, DEFAULT_TIMEOUT);
    }

    private Etcdctl(List<String> endpoints, Duration timeout) {
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
    }

    Etcdctl withEndpoints(List<String> newEndpoints) {
        return new Etcdctl(newEndpoints, timeout);
    }

    /** Process timeout (not etcdctl's {@code --command-timeout}, pass that as an argument). */
    Etcdctl withTimeout(Duration newTimeout) {
        return new Etcdctl(endpoints, newTimeout);
    }

    List<String> endpoints() {
        return endpoints;
    }

    Result run(String... args) {
        return runWithStdin(null, args);
    }

    /** Runs etcdctl, then fails the test unless it exited 0; returns stdout. */
    String ok(String... args) {
        return run(args).assertOk().stdout();
    }

    Result runWithStdin(String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(BINARY);
        command.add("--endpoints=" + String.join(",", endpoints));
        command.addAll(Arrays.asList(args));
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("etcdctl-", ".out");
            err = Files.createTempFile("etcdctl-", ".err");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
            pb.environment().put("ETCDCTL_API", "3");
            Process p = pb.start();
            if (stdin != null) {
                try (OutputStream os = p.getOutputStream()) {
                    os.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // etcdctl may exit before reading everything (e.g. bad input); the result says why
                }
            }
            boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            return new Result(command, finished ? p.exitValue() : -1, !finished,
                    Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // temp file; nothing to do
            }
        }
    }

    /** One etcdctl run. {@code exitCode} is -1 when the process had to be killed after the timeout. */
    record Result(List<String> command, int exitCode, boolean timedOut, String stdout, String stderr) {

        Result assertOk() {
            if (exitCode != 0) {
                throw new AssertionError("expected exit 0 from etcdctl but got " + describe());
            }
            return this;
        }

        /**
         * Asserts the way etcdctl reports a server error: exit 1, nothing on stdout, and the last stderr
         * line {@code Error: <message>} (before it, clientv3 logs a JSON warning that is not checked).
         */
        Result assertEtcdError(String message) {
            assertThat(exitCode).as("exit code of %s", this).isEqualTo(1);
            assertThat(stdout).as("stdout of %s", this).isEmpty();
            assertThat(lastErrorLine()).as("last stderr line of %s", this).isEqualTo("Error: " + message);
            return this;
        }

        /** The last stderr line, e.g. {@code Error: etcdserver: key is not provided}; "" if none. */
        String lastErrorLine() {
            String[] lines = stderr.strip().split("\n");
            return lines.length == 0 ? "" : lines[lines.length - 1];
        }

        List<String> stderrLines() {
            return stderr.isBlank() ? List.of() : List.of(stderr.strip().split("\n"));
        }

        String describe() {
            return "exit " + exitCode + (timedOut ? " (killed after timeout)" : "")
                    + "\n  command: " + String.join(" ", command)
                    + "\n  stdout: " + abbreviate(stdout)
                    + "\n  stderr: " + abbreviate(stderr);
        }

        @Override
        public String toString() {
            return describe();
        }

        private static String abbreviate(String s) {
            return s.length() <= 4000 ? s : s.substring(0, 4000) + "...(" + s.length() + " chars)";
        }
    }
}
