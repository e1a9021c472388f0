package org.vigil.events.service;

import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.Access;
import org.vigil.events.repository.EventRepository;
import org.vigil.runtime.audit.AuditPublisher;

/**
 * Marking events reviewed, by a user and for the team (design 0020 §1): all or nothing, each request audited (one
 * entry per site, with the events) in the transaction that makes the marks.
 */
@ApplicationScoped
public class EventReviews {

    private final EventRepository repository;
    private final AuditPublisher audit;
    private final InstantSource clock;

    public EventReviews(EventRepository repository, AuditPublisher audit, InstantSource clock) {
        this.repository = repository;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Marks {@code ids} reviewed (or not) by {@code actor}, and for the team too when {@code team}. False, with nothing
     * marked, when one of them is unknown or of a site outside {@code sites}.
     */
    public Uni<Boolean> mark(Set<UUID> ids, Set<String> sites, String actor, boolean reviewed, boolean team) {
        return repository.keys(ids).chain(found -> {
            for (UUID id : ids) {
                EventRepository.EventKey k = found.get(id);
                if (k == null || !Access.siteAllowed(sites, k.site())) {
                    return Uni.createFrom().item(false);
                }
            }
            Map<String, List<String>> bySite = new TreeMap<>();
            found.forEach((id, k) -> bySite.computeIfAbsent(k.site(), s -> new java.util.ArrayList<>())
                    .add(id.toString()));
            List<AuditPublisher.Entry> entries = bySite.entrySet().stream().map(e -> {
                Map<String, String> details = new LinkedHashMap<>();
                details.put("reviewed", Boolean.toString(reviewed));
                details.put("team", Boolean.toString(team));
                details.put("count", Integer.toString(e.getValue().size()));
                details.put("events", String.join(",", e.getValue()));
                return audit.entry(actor, reviewed ? "event.review" : "event.unreview", "events:" + e.getValue().size(),
                        e.getKey(), "success", details);
            }).toList();
            return repository.review(found, actor, reviewed, team, clock.instant(), tx -> audit.storeIn(tx, entries))
                    .replaceWith(true);
        });
    }
}
