package io.etch.cli.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.cli.EtchctlMain;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class KeysAndFlagsTest {

    @Test
    void varintKeysAreGoPutVarint() {
        assertThat(Keys.varintKey(0, 8).toByteArray()).containsExactly(0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(Keys.varintKey(1, 8).toByteArray()).containsExactly(2, 0, 0, 0, 0, 0, 0, 0);
        assertThat(Keys.varintKey(-1, 4).toByteArray()).containsExactly(1, 0, 0, 0);
        // 100 → zig-zag 200 = 0xc8 → c8 01
        assertThat(Keys.varintKey(100, 3).toByteArray()).containsExactly(0xc8 - 256, 1, 0);
        assertThat(Keys.varintKey(100_000, 2).size()).isEqualTo(2);
    }

    @Test
    void sequentialKeyNumbersWrapAroundTheKeySpace() {
        assertThat(Keys.keyNumber(5, 3, true)).isEqualTo(2);
        for (int i = 0; i < 100; i++) {
            assertThat(Keys.keyNumber(i, 7, false)).isBetween(0L, 6L);
        }
    }

    @Test
    void rateLimiterSpacesPermits() {
        RateLimiter unlimited = new RateLimiter(0);
        assertThat(unlimited.reserve()).isZero();
        RateLimiter tenPerSecond = new RateLimiter(10);
        assertThat(tenPerSecond.reserve()).isZero();
        long second = tenPerSecond.reserve();
        long third = tenPerSecond.reserve();
        assertThat(second).isBetween(90_000_000L, 100_000_000L);
        assertThat(third).isBetween(190_000_000L, 200_000_000L);
    }

    @Test
    void endpointsAcceptSchemes() {
        assertThat(Connections.hostPort("http://127.0.0.1:2379")).isEqualTo("127.0.0.1:2379");
        assertThat(Connections.hostPort(" 10.0.0.1:2379 ")).isEqualTo("10.0.0.1:2379");
        assertThat(Connections.hostPort("https://localhost:22379")).isEqualTo("localhost:22379");
    }

    @Test
    void sharedFlagsWorkBeforeAndAfterTheWorkload() {
        CommandLine cl = EtchctlMain.commandLine();
        CommandLine.ParseResult pr = cl.parseArgs("benchmark", "--endpoints", "a:1,b:2", "--clients", "7",
                "put", "--conns", "3", "-w", "json", "--total", "5", "--sequential-keys");
        BenchmarkCommand bench = (BenchmarkCommand) pr.subcommand().commandSpec().userObject();
        assertThat(bench.global.endpoints()).isEqualTo(List.of("a:1", "b:2"));
        assertThat(bench.global.clients).isEqualTo(7);
        assertThat(bench.global.conns).isEqualTo(3);
        assertThat(bench.global.json()).isTrue();
        PutCommand put = (PutCommand) pr.subcommand().subcommand().commandSpec().userObject();
        assertThat(put.total).isEqualTo(5);
        assertThat(put.sequentialKeys).isTrue();
        assertThat(put.keySize).isEqualTo(8);
    }

    @Test
    void dialTimeoutTakesGoDurationsAsEtcdsToolDoes() {
        assertThat(BenchmarkCommand.parseDialTimeout("5s")).isEqualTo(5_000);
        assertThat(BenchmarkCommand.parseDialTimeout("1.5s")).isEqualTo(1_500);
        assertThat(BenchmarkCommand.parseDialTimeout("500ms")).isEqualTo(500);
        assertThat(BenchmarkCommand.parseDialTimeout("1m30s")).isEqualTo(90_000);
        assertThat(BenchmarkCommand.parseDialTimeout("7")).isEqualTo(7_000);
        CommandLine.ParseResult pr = EtchctlMain.commandLine().parseArgs("benchmark", "--dial-timeout", "2s", "put");
        BenchmarkCommand bench = (BenchmarkCommand) pr.subcommand().commandSpec().userObject();
        assertThat(bench.global.dialTimeoutMs()).isEqualTo(2_000);
        assertThatThrownBy(() -> EtchctlMain.commandLine().parseArgs("benchmark", "--dial-timeout", "soon", "put"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("invalid duration \"soon\"");
    }

    @Test
    void warmUpDefaultsAndBounds() {
        CommandLine.ParseResult pr = EtchctlMain.commandLine().parseArgs("benchmark", "put");
        assertThat(((BenchmarkCommand) pr.subcommand().commandSpec().userObject()).global.warmUp)
                .isEqualTo(BenchmarkCommand.DEFAULT_WARM_UP);
        pr = EtchctlMain.commandLine().parseArgs("benchmark", "put", "--warm-up", "0");
        assertThat(((BenchmarkCommand) pr.subcommand().commandSpec().userObject()).global.warmUp).isZero();
        assertThatThrownBy(() -> EtchctlMain.commandLine().parseArgs("benchmark", "--warm-up", "-1", "put"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--warm-up must be 0 or more");
    }

    @Test
    void everyEtcdWorkloadIsThere() {
        CommandLine bench = EtchctlMain.commandLine().getSubcommands().get("benchmark");
        assertThat(bench.getSubcommands().keySet())
                .contains("put", "range", "txn-put", "watch", "watch-latency", "lease-keepalive");
    }
}
