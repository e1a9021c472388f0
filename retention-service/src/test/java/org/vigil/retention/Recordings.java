package org.vigil.retention;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.vigil.devstack.embedded.EmbeddedPostgresServer;

/** Recorded minutes for the retention tests: a 1000-byte file with its sidecar, and optionally its index row. */
final class Recordings {

    static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Recordings() {
    }

    /** The minute of {@code camera} from {@code start}, named and timed as the recorder writes it. */
    static Path segment(String jdbcUrl, Path recordings, String camera, String site, Instant start, boolean indexed)
            throws Exception {
        Path root = recordings.toAbsolutePath();
        String rel = camera + "/recording_" + camera + "_" + NAME.format(start) + ".avi";
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.write(f, new byte[1000]);
        Files.write(f.resolveSibling(f.getFileName() + ".idx"), new byte[10]);
        Files.setLastModifiedTime(f, FileTime.from(start.plusSeconds(60)));
        if (indexed) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.SUPERUSER, ""); PreparedStatement p =
                    c.prepareStatement("insert into events.segments values (?, ?, ?, ?, ?, ?, ?, 900, 1000, 'x', "
                            + "'h264', 640, 360)")) {
                p.setString(1, camera + "-" + start.toEpochMilli());
                p.setString(2, camera);
                p.setString(3, site);
                p.setString(4, root.toString());
                p.setString(5, rel);
                p.setObject(6, OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
                p.setObject(7, OffsetDateTime.ofInstant(start.plusSeconds(60), ZoneOffset.UTC));
                p.executeUpdate();
            }
        }
        return f;
    }
}
