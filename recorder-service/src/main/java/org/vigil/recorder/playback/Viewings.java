package org.vigil.recorder.playback;

import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.recorder.config.RecorderConfig;

/**
 * Which viewings were audited. A browser plays a recording with many requests (a first one, then Range requests as
 * it seeks); the audit log wants one entry per viewing, and an entry however the first request is shaped. A viewing
 * is a user asking for one camera and range: its first request is audited, and requests for the same within the
 * playback cache's idle time belong to it. Bounded: beyond {@value #MAX} remembered viewings the oldest are
 * forgotten, which at worst audits a viewing twice, never not at all.
 */
@ApplicationScoped
public class Viewings {

    static final int MAX = 20_000;

    private record Key(String user, String camera, Instant from, Instant to, boolean download) {
    }

    private final InstantSource clock;
    private final java.time.Duration window;
    private final Map<Key, Instant> seen = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Instant> eldest) {
            return size() > MAX;
        }
    };

    public Viewings(InstantSource clock, RecorderConfig config) {
        this.clock = clock;
        this.window = config.playbackCacheIdle();
    }

    /** True for the first request of a viewing (audit it); false for the rest of it. */
    public synchronized boolean first(String user, String camera, Instant from, Instant to, boolean download) {
        Instant now = clock.instant();
        Key k = new Key(user, camera, from, to, download);
        Instant at = seen.get(k);
        if (at != null && now.isBefore(at.plus(window))) {
            return false;
        }
        seen.remove(k);
        seen.put(k, now);
        return true;
    }
}
