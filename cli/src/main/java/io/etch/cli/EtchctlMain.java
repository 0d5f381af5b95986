package io.etch.cli;

import io.etch.cli.benchmark.BenchmarkCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code etchctl}: etcdctl-style commands against any etcd-API endpoint. So far: {@code benchmark}.
 * Exit codes: 0 success, 1 a run with only errors, 2 a usage error.
 */
@Command(name = "etchctl", mixinStandardHelpOptions = true, version = "etchctl 0.1.0 (API version: 3.4)",
        description = "A command line client for etcd-API servers (Etch and etcd).",
        subcommands = {BenchmarkCommand.class, CommandLine.HelpCommand.class})
public final class EtchctlMain {

    private EtchctlMain() {
    }

    /** The command line, for tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new EtchctlMain());
    }

    public static void main(String[] args) {
        int rc = commandLine().execute(args);
        System.out.flush();
        System.exit(rc);
    }
}
