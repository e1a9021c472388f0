package org.vigil.devstack.launcher;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.Json;
import org.vigil.evidence.AuditChain;

/**
 * {@code vigil verify-audit}: walks the whole audit log in PostgreSQL (DATABASE_URL, or the embedded one) in chain
 * order and recomputes every hash, like the event service's {@code GET /api/audit/verify}, without any service
 * running. Exit status 0 when the chain holds, 1 where it breaks (the first problems are printed).
 */
final class AuditCheck {

    private static final int PAGE = 5_000;

    private final StackConfig cfg;
    private final PrintStream out;

    AuditCheck(StackConfig cfg, PrintStream out) {
        this.cfg = cfg;
        this.out = out;
    }

    int run() throws SQLException {
        String url = "jdbc:" + cfg.databaseUrl();
        AuditChain.Verifier v = new AuditChain.Verifier("audit_log row", true, 20);
        try (Connection c = DriverManager.getConnection(url, System.getenv().getOrDefault("DATABASE_USER", "vigil_auditor"),
                System.getenv().getOrDefault("DATABASE_PASSWORD", ""));
                PreparedStatement q = c.prepareStatement("""
                        select seq, id, at, service, actor, action, target, site, outcome, details::text, prev_hash,
                               hash
                        from events.v1_audit_log where seq > ? order by seq limit ?""")) {
            long after = -1;
            while (true) {
                q.setLong(1, after);
                q.setInt(2, PAGE);
                int n = 0;
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        v.accept(link(rs));
                        after = rs.getLong(1);
                        n++;
                    }
                }
                if (n == 0) {
                    break;
                }
            }
        } catch (SQLException e) {
            throw new LaunchException("cannot read the audit log at " + url + " (is PostgreSQL running? ./vigil up "
                    + "starts it): " + e.getMessage());
        }
        if (v.problems().isEmpty()) {
            out.println("OK: the audit log's hash chain holds over " + v.checked() + " entries");
            return 0;
        }
        v.problems().forEach(p -> out.println("FAILED: " + p));
        return 1;
    }

    @SuppressWarnings("unchecked")
    private static AuditChain.Link link(ResultSet rs) throws SQLException {
        Map<String, String> details = Json.read(rs.getString(10).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Map.class);
        return new AuditChain.Link(rs.getLong(1), new AuditEntry(AuditEntry.VERSION, rs.getString(2),
                rs.getTimestamp(3).toInstant(), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                rs.getString(8), rs.getString(9), details), rs.getString(11), rs.getString(12));
    }
}
