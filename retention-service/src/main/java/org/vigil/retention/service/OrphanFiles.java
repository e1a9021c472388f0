package org.vigil.retention.service;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.retention.repository.PruneRepository;
import org.vigil.runtime.media.RecordingLayout;

/** Recording files without an index row: what a crash between a row's delete and its file's leaves behind. */
@ApplicationScoped
public class OrphanFiles {

    private final StorageRoots roots;
    private final PruneRepository repository;

    public OrphanFiles(StorageRoots roots, PruneRepository repository) {
        this.roots = roots;
        this.repository = repository;
    }


    /**
     * Recording files older than the cut-off that no index row names (a crash between row and file, or a recorder
     * that never indexed them) and no hold covers, in every recordings directory: removed.
     */
    long remove(Instant now, Instant cutoff, List<String> errors) {
        long removed = 0;
        for (Path root : roots.all()) {
            if (Files.isDirectory(root)) {
                removed += reconcile(root, now, cutoff, errors);
            }
        }
        return removed;
    }


    private long reconcile(Path root, Instant now, Instant cutoff, List<String> errors) {
        long removed = 0;
        for (Path f : recordingFiles(root, errors)) {
            Optional<RecordingLayout.Named> named = RecordingLayout.parse(f.getFileName().toString());
            if (named.isEmpty()) {
                continue;
            }
            try {
                Instant start = named.get().start();
                Instant end = Files.getLastModifiedTime(f).toInstant(); // the last write: where the footage ends
                if (!start.isBefore(cutoff) || end.isAfter(cutoff)
                        || repository.indexed(root.toString(), root.relativize(f).toString())
                        || repository.held(named.get().camera(), start, end, now)) {
                    continue;
                }
                Files.deleteIfExists(f);
                Files.deleteIfExists(f.resolveSibling(f.getFileName() + RecordingLayout.INDEX));
                removed++;
            } catch (NoSuchFileException e) {
                // gone meanwhile
            } catch (IOException e) {
                errors.add(root.relativize(f) + ": " + e.getMessage());
            }
        }
        return removed;
    }


    /** The {@code .avi} files under {@code root}; files that vanish during the walk are skipped, not errors. */
    private static List<Path> recordingFiles(Path root, List<String> errors) {
        List<Path> out = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && RecordingLayout.isVideo(file.getFileName().toString())) {
                        out.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            errors.add("reading " + root + ": " + e.getMessage());
        }
        return out;
    }
}
