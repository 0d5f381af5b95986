package io.etch.server;

import io.etch.server.config.Flags;
import io.etch.server.config.ServerConfig;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** {@code bin/etch}: parses etcd's flags, starts a member, and stops it cleanly on SIGTERM/SIGINT. */
public final class EtchMain {
    private static final Logger LOG = LoggerFactory.getLogger(EtchMain.class);

    private EtchMain() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = new Flags();
        CommandLine cli = new CommandLine(flags);
        try {
            cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            System.err.println(e.getMessage());
            cli.usage(System.err);
            System.exit(2);
            return;
        }
        if (cli.isUsageHelpRequested()) {
            cli.usage(System.out);
            return;
        }
        if (cli.isVersionHelpRequested()) {
            cli.printVersionHelp(System.out);
            return;
        }
        ServerConfig config;
        try {
            config = ServerConfig.from(flags);
        } catch (IllegalArgumentException e) {
            System.err.println("etch: " + e.getMessage());
            System.exit(1);
            return;
        }
        EtchServer server = new EtchServer(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("received signal, shutting down member {}", config.name());
            try {
                server.close();
            } finally {
                stopped.countDown();
            }
        }, "etch-shutdown"));
        try {
            server.start();
        } catch (Exception e) {
            LOG.error("member {} failed to start", config.name(), e);
            System.exit(1);
        }
        stopped.await();
    }
}
