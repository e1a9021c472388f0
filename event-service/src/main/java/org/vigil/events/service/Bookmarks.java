package org.vigil.events.service;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.AuditEntry;
import org.vigil.events.Bookmark;
import org.vigil.events.repository.BookmarkRepository;
import org.vigil.runtime.audit.AuditPublisher;

/** Bookmarks (design 0020 §2): each change audited against its camera, in the transaction that makes it. */
@ApplicationScoped
public class Bookmarks {

    private final BookmarkRepository repository;
    private final AuditPublisher audit;

    public Bookmarks(BookmarkRepository repository, AuditPublisher audit) {
        this.repository = repository;
        this.audit = audit;
    }

    public Uni<Bookmark> create(Bookmark b) {
        AuditPublisher.Entry entry = audit.entry(b.createdBy(), "bookmark.create", AuditEntry.CAMERA + b.cameraId(),
                b.site(), "success", details(b));
        return repository.create(b, tx -> audit.storeIn(tx, List.of(entry)));
    }

    public Uni<Bookmark> get(UUID id) {
        return repository.get(id);
    }

    /** Removes {@code b} on behalf of {@code actor}; false when it was gone already. */
    public Uni<Boolean> delete(Bookmark b, String actor) {
        AuditPublisher.Entry entry = audit.entry(actor, "bookmark.delete", AuditEntry.CAMERA + b.cameraId(), b.site(),
                "success", details(b));
        return repository.delete(UUID.fromString(b.bookmarkId()), tx -> audit.storeIn(tx, List.of(entry)));
    }

    public Uni<List<Bookmark>> search(Collection<String> sites, String camera, String text, Instant from, Instant to,
            int limit) {
        return repository.search(sites, camera, text, from, to, limit);
    }

    private static Map<String, String> details(Bookmark b) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("bookmark", b.bookmarkId());
        d.put("at", b.at().toString());
        d.put("note", b.note());
        d.put("author", b.createdBy());
        return d;
    }
}
