package io.etch.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.raft.MemberIds;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServerConfigTest {
    private static ServerConfig parse(String... args) {
        Flags f = new Flags();
        new CommandLine(f).parseArgs(args);
        return ServerConfig.from(f);
    }

    @Test
    void defaultsAreEtcds() {
        ServerConfig c = parse();
        assertThat(c.name()).isEqualTo("default");
        assertThat(c.dataDir()).isEqualTo(Path.of("default.etcd"));
        assertThat(c.self().peerUrls()).containsExactly("http://localhost:2380");
        assertThat(c.electionTimeoutMs()).isEqualTo(1000);
        assertThat(c.heartbeatIntervalMs()).isEqualTo(100);
        assertThat(c.maxRequestBytes()).isEqualTo(1572864);
        assertThat(c.maxTxnOps()).isEqualTo(128);
        assertThat(c.requestTimeoutMs()).isEqualTo(7000);
    }

    @Test
    void threeMemberClusterGetsEtcdIds() {
        ServerConfig c = parse("--name", "n2", "--initial-cluster-token", "tok-research",
                "--initial-cluster",
                "n1=http://127.0.0.1:24180,n2=http://127.0.0.1:24280,n3=http://127.0.0.1:24380",
                "--initial-advertise-peer-urls=http://127.0.0.1:24280", "-listen-peer-urls", "http://127.0.0.1:24280");
        assertThat(MemberIds.hex(c.self().id())).isEqualTo("a3f7e57126b2eeac");
        assertThat(c.members()).hasSize(3);
        assertThat(c.clusterId()).isEqualTo(2664257235986732577L);
        assertThat(c.listenPeerUrls().get(0).getPort()).isEqualTo(24280);
    }

    @Test
    void repeatedNameMeansSeveralPeerUrls() {
        Map<String, java.util.List<String>> m = ServerConfig.parseInitialCluster("a=http://h:1,a=http://h:2,b=http://h:3");
        assertThat(m.get("a")).containsExactly("http://h:1", "http://h:2");
        assertThat(m.get("b")).containsExactly("http://h:3");
    }

    @Test
    void rejectsInconsistentFlags() {
        assertThatThrownBy(() -> parse("--name", "x", "--initial-cluster", "n1=http://127.0.0.1:1"))
                .hasMessageContaining("couldn't find local name \"x\"");
        assertThatThrownBy(() -> parse("--initial-cluster", "default=http://127.0.0.1:9",
                "--initial-advertise-peer-urls", "http://127.0.0.1:8"))
                .hasMessageContaining("missing from --initial-advertise-peer-urls");
        assertThatThrownBy(() -> parse("--election-timeout", "400"))
                .hasMessageContaining("should be at least as 5 times as --heartbeat-interval");
        assertThatThrownBy(() -> parse("--listen-client-urls", "127.0.0.1:2379"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> parse("--initial-cluster", "bogus"))
                .hasMessageContaining("invalid --initial-cluster entry");
    }

    @Test
    void existingStateNeedsAnEarlierRun(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> parse("--data-dir", dir.toString(), "--initial-cluster-state", "existing"))
                .hasMessageContaining("needs a data dir of a member that has run before");
        java.nio.file.Files.createDirectories(dir.resolve("member/raft/log"));
        java.nio.file.Files.writeString(dir.resolve("member/raft/log/00000000000000000001.seg"), "x");
        assertThat(parse("--data-dir", dir.toString(), "--initial-cluster-state", "existing").name()).isEqualTo("default");
        assertThatThrownBy(() -> parse("--initial-cluster-state", "bogus")).hasMessageContaining("want 'new' or 'existing'");
    }
}
