package org.vigil.export.service;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.Access;
import org.vigil.contracts.AuditEntry;
import org.vigil.export.Evidence;
import org.vigil.export.repository.EvidenceRepository;
import org.vigil.runtime.audit.AuditPublisher;

/** "Export data": the motion events of one camera and range, for a caller of its site; audited. */
@ApplicationScoped
public class ExportData {

    private static final int MAX = 100_000;

    private final EvidenceRepository evidence;
    private final InstantSource clock;
    private final AuditPublisher audit;

    public ExportData(EvidenceRepository evidence, AuditPublisher audit, InstantSource clock) {
        this.clock = clock;
        this.evidence = evidence;
        this.audit = audit;
    }

    public List<Evidence.Event> events(ExportJobs.Caller caller, String camera, Instant from, Instant to,
            String format) {
        String site = evidence.sitesOf(List.of(camera)).get(camera);
        if (site == null || !Access.siteAllowed(caller.sites(), site)) {
            throw new ExportProblem(404, "not_found", "no camera " + camera + " on your sites");
        }
        List<Evidence.Event> events = evidence.events(List.of(camera), from, to, MAX);
        audit.record(caller.name(), "export.data", AuditEntry.CAMERA + camera, site, "success",
                Map.of("format", format, "from", from.toString(), "to", to.toString(),
                        "events", Integer.toString(events.size())));
        return events;
    }
}
