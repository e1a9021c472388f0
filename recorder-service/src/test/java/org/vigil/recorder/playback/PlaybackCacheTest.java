package org.vigil.recorder.playback;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlaybackCacheTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path render(String name, int mib) throws IOException {
        return Files.write(dir.resolve(name + ".mp4"), new byte[(int) (mib * MIB)]);
    }

    /** A separate volume's view: the cache on another file store than the recordings never sees their floor. */
    private static final Path ELSEWHERE = Path.of("/proc");

    @Test
    void oneUsersRendersBeyondTheirSharePushOutTheirOwnOldestOnly() throws IOException {
        PlaybackCache cache = new PlaybackCache(dir, 100 * MIB, 3 * MIB);
        cache.added(render("bob-1", 1), "bob", ELSEWHERE, 0);
        cache.added(render("eve-1", 1), "eve", ELSEWHERE, 0);
        cache.added(render("eve-2", 1), "eve", ELSEWHERE, 0);
        cache.added(render("eve-3", 1), "eve", ELSEWHERE, 0);
        cache.added(render("eve-4", 1), "eve", ELSEWHERE, 0);
        assertThat(dir.resolve("eve-1.mp4")).doesNotExist();
        assertThat(dir.resolve("bob-1.mp4")).as("another user's render stays").exists();
        assertThat(cache.byUser()).containsEntry("eve", 3 * MIB).containsEntry("bob", MIB);
        assertThat(cache.bytes()).isEqualTo(4 * MIB);
    }

    @Test
    void theTotalIsCappedOldestFirst() throws IOException {
        PlaybackCache cache = new PlaybackCache(dir, 3 * MIB, 100 * MIB);
        for (int i = 0; i < 6; i++) {
            cache.added(render("r" + i, 1), "user" + i, ELSEWHERE, 0);
        }
        assertThat(cache.bytes()).isEqualTo(3 * MIB);
        assertThat(dir.resolve("r0.mp4")).doesNotExist();
        assertThat(dir.resolve("r5.mp4")).exists();
    }

    @Test
    void onTheRecordingsVolumeTheCacheLivesInsideHalfTheFloor() throws IOException {
        PlaybackCache cache = new PlaybackCache(dir, 2048 * MIB, 1024 * MIB);
        Path recordings = Files.createDirectories(dir.resolve("recordings"));
        assertThat(cache.sharesVolumeWith(recordings)).isTrue();
        assertThat(cache.max(recordings, 1024 * MIB)).isEqualTo(512 * MIB);
        assertThat(cache.maxRender(recordings, 100 * MIB)).isEqualTo(50 * MIB);
        assertThat(cache.max(ELSEWHERE, 1024 * MIB)).as("on a volume of its own").isEqualTo(2048 * MIB);
    }

    @Test
    void idleFilesGoAndAFreshCacheStartsEmpty() throws IOException {
        PlaybackCache cache = new PlaybackCache(dir, 100 * MIB, 100 * MIB);
        cache.added(render("old", 1), "ann", ELSEWHERE, 0);
        cache.evictIdle(Instant.now().plusSeconds(1));
        assertThat(dir.resolve("old.mp4")).doesNotExist();
        assertThat(cache.bytes()).isZero();
        render("left-by-a-crash", 1);
        new PlaybackCache(dir, 100 * MIB, 100 * MIB);
        assertThat(dir.resolve("left-by-a-crash.mp4")).doesNotExist();
    }
}
