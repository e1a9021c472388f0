package org.vigil.gateway.service;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.gateway.Layout;
import org.vigil.gateway.repository.LayoutRepository;

/** Users' saved Live layouts (design 0020 §4): each user's own, at most {@value #MAX_LAYOUTS}. */
@ApplicationScoped
public class Layouts {

    public static final int MAX_LAYOUTS = 50;

    /** What saving did. */
    public enum Saved {
        CREATED, REPLACED, TOO_MANY
    }

    private final LayoutRepository repository;

    public Layouts(LayoutRepository repository) {
        this.repository = repository;
    }

    public List<Layout> of(String owner) {
        return repository.list(owner);
    }

    /** Creates or replaces {@code owner}'s layout of that name, unless it would be one too many. */
    public Saved save(String owner, Layout l) {
        List<Layout> mine = repository.list(owner);
        if (mine.size() >= MAX_LAYOUTS && mine.stream().noneMatch(x -> x.name().equals(l.name()))) {
            return Saved.TOO_MANY;
        }
        return repository.put(owner, l) ? Saved.CREATED : Saved.REPLACED;
    }

    public boolean remove(String owner, String name) {
        return repository.delete(owner, name);
    }
}
