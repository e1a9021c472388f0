package org.vigil.capture.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import org.junit.jupiter.api.Test;
import org.vigil.contracts.MotionEvent;
import org.vigil.contracts.Topics;
import org.vigil.devstack.embedded.EmbeddedKafka;
import org.vigil.devstack.embedded.TopicAdmin;
import org.vigil.devstack.testing.SharedServers;
import org.vigil.devstack.testing.TopicProbe;

/**
 * A camera's first motion event is not lost to a producer that does not yet know the motion topic: capture learns
 * every topic it sends to before its cameras start, and keeps knowing them (WholeStackIT once read an UPDATE as the
 * first record of an event, its START having timed out on the metadata fetch under load).
 */
class CapturePublisherTest {

    @Test
    void camerasWaitUntilEveryTopicIsKnownAndTheFirstMotionStartIsDelivered() throws Exception {
        Path dir = Files.createTempDirectory("capture-publisher-kafka");
        try (EmbeddedKafka kafka = new EmbeddedKafka(dir, SharedServers.freePort(), SharedServers.freePort())) {
            kafka.start();
            CapturePublisher publisher = new CapturePublisher(kafka.bootstrapServers(), new SimpleMeterRegistry(),
                    OpenTelemetry.noop(), LiveStreams.always());
            try {
                // no topic exists yet: the cameras would wait
                assertThat(publisher.awaitTopics(Duration.ofSeconds(2))).isFalse();
                TopicAdmin.ensureTopics(kafka.bootstrapServers(), (short) 1, null, Duration.ofSeconds(60));
                assertThat(publisher.awaitTopics(Duration.ofSeconds(60))).as("every topic known once it exists")
                        .isTrue();
                MotionEvent start = new MotionEvent(MotionEvent.VERSION, "8b0e7a52-7f0c-4d3e-9a55-0c2f4f1b9d10",
                        "cam-first", "hq", MotionEvent.Phase.START, Instant.now(), Instant.now(), 0.2, List.of(),
                        null);
                assertThat(publisher.motion(start)).isTrue();
                String key = TopicProbe.await(kafka.bootstrapServers(), Topics.MOTION, Duration.ofSeconds(30),
                        r -> r.key());
                assertThat(key).isEqualTo("cam-first");
            } finally {
                publisher.close();
            }
        }
    }
}
