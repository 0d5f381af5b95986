package io.etch.storage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/** Installs a RocksDB checkpoint directory as a store directory. */
final class Checkpoints {
    private Checkpoints() {
    }

    static void restore(Path checkpointDir, Path storeDir) throws IOException {
        if (!Files.isDirectory(checkpointDir)) {
            throw new NoSuchFileException(checkpointDir.toString());
        }
        Path store = storeDir.toAbsolutePath();
        Path tmp = store.resolveSibling(store.getFileName() + ".restoring");
        deleteRecursively(tmp);
        Files.createDirectories(tmp);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(checkpointDir)) {
            for (Path f : files) {
                if (!Files.isRegularFile(f)) {
                    continue;
                }
                Path target = tmp.resolve(f.getFileName().toString());
                if (f.getFileName().toString().endsWith(".sst") && tryLink(target, f)) {
                    continue; // SST files are immutable: sharing them is safe
                }
                Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        deleteRecursively(store);
        Files.move(tmp, store, StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean tryLink(Path link, Path existing) {
        try {
            Files.createLink(link, existing);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
