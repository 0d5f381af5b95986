package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import io.etch.raft.log.SegmentLogStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftLogFactoryTest {
    @Test
    void aNewOrSegmentLogDirectoryGetsTheSegmentLog(@TempDir Path dir) throws Exception {
        RaftLogFactory factory = new RaftLogFactory();
        assertThat(factory.createLogStorage(dir.resolve("log").toString(), new RaftOptions()))
                .isInstanceOf(SegmentLogStorage.class);
        Files.createDirectories(dir.resolve("log"));
        Files.write(dir.resolve("log").resolve("00000000000000000001.seg"), new byte[64]);
        assertThat(factory.createLogStorage(dir.resolve("log").toString(), new RaftOptions()))
                .isInstanceOf(SegmentLogStorage.class);
    }

    @Test
    void aRocksDbLogDirectoryOfAnEarlierEtchStaysOnRocksDb(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("log"));
        Files.writeString(dir.resolve("log").resolve("CURRENT"), "MANIFEST-000005\n");
        assertThat(new RaftLogFactory().createLogStorage(dir.resolve("log").toString(), new RaftOptions()))
                .isInstanceOf(RocksDBLogStorage.class);
    }
}
