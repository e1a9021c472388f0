package org.vigil.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.buffer.Buffer;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.LiveFrame;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.KafkaTestResource;
import org.vigil.devstack.testing.PostgresTestResource;
import org.vigil.devstack.testing.RedisTestResource;
import org.vigil.devstack.testing.TopicProbe;
import org.vigil.gateway.messaging.CameraRegistry;

/**
 * The gateway's relay of native video (design 0019 §4), on the running gateway's own {@link LiveClients}, with
 * connections that record what is sent to them and can stop reading: who gets a camera's fragments, what a viewer
 * joining late gets at once, and a viewer that stops reading skipping to the next key frame instead of queueing.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
class NativeRelayTest {

    @Inject
    LiveClients clients;

    @Inject
    CameraRegistry registry;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    /** A connection that keeps what is sent to it; while {@code stuck}, its binary writes never complete. */
    static final class Viewer {
        final String id = UUID.randomUUID().toString();
        final List<byte[]> binary = new CopyOnWriteArrayList<>();
        final List<UniEmitter<? super Void>> unwritten = new CopyOnWriteArrayList<>();
        volatile boolean stuck;
        final WebSocketConnection connection = (WebSocketConnection) Proxy.newProxyInstance(
                WebSocketConnection.class.getClassLoader(), new Class<?>[] {WebSocketConnection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "id" -> id;
                    case "isOpen" -> true;
                    case "sendBinary" -> {
                        binary.add(((Buffer) args[0]).getBytes());
                        yield stuck ? Uni.createFrom().emitter(unwritten::add) : Uni.createFrom().voidItem();
                    }
                    case "sendText", "close" -> Uni.createFrom().voidItem();
                    case "hashCode" -> id.hashCode();
                    case "equals" -> proxy == args[0];
                    case "toString" -> "viewer " + id;
                    default -> throw new UnsupportedOperationException(method.getName());
                });

        /** It reads again: everything it had not written is written. */
        void unstick() {
            stuck = false;
            unwritten.forEach(e -> e.complete(null));
            unwritten.clear();
        }

        List<LiveFrame.Header> headers() {
            return binary.stream().map(LiveFrame::header).toList();
        }
    }

    private Viewer viewer(String site, String camera, boolean natively) {
        Viewer v = new Viewer();
        clients.add(v.connection, new LiveClients.Owner(List.of(site), null, null, Instant.now().plusSeconds(600),
                () -> "no-token"));
        clients.watch(v.connection, Set.of(camera), natively ? Set.of(camera) : Set.of());
        return v;
    }

    private static Buffer init(String camera) {
        return Buffer.buffer(LiveFrame.init(camera, "video/mp4; codecs=\"avc1.42C00D\"", 320, 180, new byte[100]));
    }

    private static Buffer fragment(String camera, boolean key, int bytes) {
        return Buffer.buffer(LiveFrame.fragment(camera, 1, key, new byte[bytes]));
    }

    private void send(String camera, Buffer message) {
        clients.nativeMessage(camera, "north", message, LiveFrame.header(message.getBytes()));
    }

    @Test
    void fragmentsGoToNativeViewersOfTheSiteALateViewerGetsTheGopAndOneThatStopsReadingSkipsToAKeyFrame()
            throws Exception {
        String camera = "nat-" + UUID.randomUUID().toString().substring(0, 8);
        CameraConfig c = new CameraConfig(CameraConfig.VERSION, camera, camera, "north", "test:", null, true, 0.5,
                null, null, Instant.now(), "test");
        TopicProbe.send(bootstrap, Topics.CAMERAS, camera, Json.write(c));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (registry.get(camera).isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        Viewer north = viewer("north", camera, true);
        Viewer south = viewer("south", camera, true);
        Viewer previews = viewer("north", camera, false);
        send(camera, init(camera));
        send(camera, fragment(camera, true, 1000));
        send(camera, fragment(camera, false, 1000));
        assertThat(north.headers()).extracting(LiveFrame.Header::kind).containsExactly("init", "fmp4", "fmp4");
        assertThat(south.binary).as("another site's viewer").isEmpty();
        assertThat(previews.binary).as("a viewer of its previews").isEmpty();
        clients.frame(camera, "north", Buffer.buffer(LiveFrame.encode(camera, 1L, 320L, 180L, new byte[] {1})));
        assertThat(previews.binary).as("previews go to it").hasSize(1);
        assertThat(north.binary).as("not to a native viewer").hasSize(3);
        assertThat(clients.nativeStreams()).contains(new LiveClients.NativeStream(camera, false));
        assertThat(clients.previewCameras()).contains(camera);

        // a viewer joining now gets the init and the GOP so far at once: it can show the picture without waiting
        Viewer late = viewer("north", camera, true);
        assertThat(late.headers()).extracting(LiveFrame.Header::kind).containsExactly("init", "fmp4", "fmp4");
        assertThat(late.headers().get(1).key()).isTrue();

        // a viewer that stops reading: once 2 MB wait unwritten, it skips to the next key frame, which says how many
        north.stuck = true;
        int sentWhileStuck = 0;
        for (int i = 0; i < 40; i++) {
            send(camera, fragment(camera, false, 100_000));
        }
        sentWhileStuck = north.binary.size() - 3;
        assertThat(sentWhileStuck).as("fragments handed to it while it did not read").isBetween(20, 21);
        assertThat(late.binary).as("the others are not held back").hasSize(3 + 40);
        north.unstick();
        send(camera, fragment(camera, false, 1000)); // still skipped: it must start again at a key frame
        assertThat(north.binary).hasSize(3 + sentWhileStuck);
        send(camera, fragment(camera, true, 1000));
        byte[] resumed = north.binary.get(north.binary.size() - 1);
        assertThat(LiveFrame.header(resumed).key()).isTrue();
        int n = ((resumed[0] & 0xff) << 8) | (resumed[1] & 0xff);
        assertThat(Json.mapper().readTree(resumed, 2, n).path("skipped").asLong()).isEqualTo(40 - sentWhileStuck + 1);

        // a client that does not read and toggles its watch to be sent the held GOP (4 MB) again and again: it gets
        // the GOP only while it has room, then each init alone, so what waits for it stays bounded
        Viewer toggler = viewer("north", camera, true);
        toggler.stuck = true;
        for (int i = 0; i < 20; i++) {
            send(camera, fragment(camera, false, 200_000)); // a GOP of about 4 MB held for joiners
        }
        for (int i = 0; i < 2000; i++) {
            clients.watch(toggler.connection, Set.of(camera), Set.of());
            clients.watch(toggler.connection, Set.of(camera), Set.of(camera));
        }
        long handed = toggler.binary.stream().mapToLong(b -> b.length).sum();
        assertThat(handed).as("bytes handed to a client that never reads, over 2,000 toggles").isLessThanOrEqualTo(
                LiveClients.MAX_PENDING_NATIVE + 2000L * 1000 + 250_000);

        // a camera whose codec is not sent natively: a viewer joining gets that at once
        send(camera, Buffer.buffer(LiveFrame.unsupported(camera, "hevc")));
        Viewer later = viewer("north", camera, true);
        assertThat(later.headers()).extracting(LiveFrame.Header::kind).containsExactly("unsupported");
        for (Viewer v : List.of(north, south, previews, late, later, toggler)) {
            clients.remove(v.connection);
        }
        clients.nativeEnded(new LiveClients.NativeStream(camera, false));
        assertThat(clients.nativeStreams()).extracting(LiveClients.NativeStream::camera).doesNotContain(camera);
    }

    @Test
    void aGridViewerGetsTheSubStreamAndASingleViewerTheMainOneEachFromItsOwnFeedAndACameraWithoutOneSendsItsMain()
            throws Exception {
        String camera = register("sub-", "test:?size=320x180");
        String plain = register("plain-", null);
        LiveClients.NativeStream main = new LiveClients.NativeStream(camera, false);
        LiveClients.NativeStream sub = new LiveClients.NativeStream(camera, true);
        Viewer grid = new Viewer();
        clients.add(grid.connection, new LiveClients.Owner(List.of("north"), null, null, Instant.now().plusSeconds(600),
                () -> "no-token"));
        clients.watch(grid.connection, Set.of(camera, plain), Set.of(camera, plain), Set.of(camera, plain));
        Viewer single = viewer("north", camera, true);
        // one stream each: the grid's sub-stream, the single view's main stream, and the main stream of the camera
        // that has no sub-stream (asked for its sub-stream)
        assertThat(clients.nativeStreams()).contains(main, sub, new LiveClients.NativeStream(plain, false))
                .doesNotContain(new LiveClients.NativeStream(plain, true));
        Buffer subInit = Buffer.buffer(LiveFrame.init(camera, "video/mp4; codecs=\"avc1.42C00D\"", 160, 96,
                new byte[50]));
        clients.nativeMessage(sub, "north", subInit, LiveFrame.header(subInit.getBytes()));
        Buffer subKey = fragment(camera, true, 500);
        clients.nativeMessage(sub, "north", subKey, LiveFrame.header(subKey.getBytes()));
        send(camera, init(camera));
        send(camera, fragment(camera, true, 1000));
        assertThat(grid.binary).extracting(b -> b.length).as("the grid: the sub-stream's init and key frame only")
                .hasSize(2).allSatisfy(n -> assertThat(n).isLessThan(700));
        assertThat(single.binary).extracting(b -> b.length).as("the single view: the main stream's only")
                .hasSize(2).allSatisfy(n -> assertThat(n).isGreaterThan(100));
        // the grid's camera opened full size by the same client: it switches to the main stream's held GOP at once
        clients.watch(grid.connection, Set.of(camera), Set.of(camera), Set.of());
        assertThat(grid.headers().subList(2, 4)).extracting(LiveFrame.Header::kind).containsExactly("init", "fmp4");
        assertThat(grid.binary.get(3).length).isGreaterThan(1000);
        for (Viewer v : List.of(grid, single)) {
            clients.remove(v.connection);
        }
        assertThat(clients.nativeStreams()).extracting(LiveClients.NativeStream::camera)
                .doesNotContain(camera, plain);
        clients.nativeEnded(main);
        clients.nativeEnded(sub);
    }

    /** A camera of site north, with {@code subStreamUrl} (or none), once the gateway's registry has it. */
    private String register(String prefix, String subStreamUrl) {
        String camera = prefix + UUID.randomUUID().toString().substring(0, 8);
        CameraConfig c = new CameraConfig(CameraConfig.VERSION, camera, camera, "north", "test:", subStreamUrl, true,
                0.5, null, null, Instant.now(), "test");
        TopicProbe.send(bootstrap, Topics.CAMERAS, camera, Json.write(c));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (registry.get(camera).isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(registry.get(camera)).as("the registry has " + camera).isPresent();
        return camera;
    }
}
