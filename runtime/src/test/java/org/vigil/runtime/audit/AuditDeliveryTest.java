package org.vigil.runtime.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The order of first arrivals, the promise both relays make: a later entry never reaches Kafka before an earlier one
 * that failed. Kafka's own {@link MockProducer} stands in for the broker, so the test decides which send fails and
 * when: a send that times out waiting for the topic's metadata (a broker just restarted), while a pipelined send after
 * it would have succeeded, is the case a real broker showed under load.
 */
class AuditDeliveryTest {

    /** Acknowledges only when the test says so: MockProducer's own flush would acknowledge every waiting send. */
    private final MockProducer<String, byte[]> kafka = new MockProducer<>(false, null, new StringSerializer(),
            new ByteArraySerializer()) {
        @Override
        public void flush() {
        }
    };
    private final AuditDelivery delivery = new AuditDelivery(kafka, "outbox", Duration.ofSeconds(30),
            new SimpleMeterRegistry());

    @Test
    void aRoundStartsWithOneEntryAloneAndSendsNothingElseWhenItFails() throws Exception {
        CompletableFuture<AuditDelivery.Sent> round = CompletableFuture.supplyAsync(() -> delivery.sendInOrder(
                records(0, 3)));
        await("the first entry sent", () -> kafka.history().size() == 1);
        kafka.errorNext(new TimeoutException("Topic vigil.audit.v1 not present in metadata after 3000 ms."));
        AuditDelivery.Sent sent = round.get();

        assertThat(sent.acked()).isZero();
        assertThat(sent.failure()).hasMessageContaining("not present in metadata");
        assertThat(ids(kafka.history())).as("sent in the failed round").containsExactly("0");

        // the next round probes again: the first entry alone, then, once acknowledged, the rest pipelined
        round = CompletableFuture.supplyAsync(() -> delivery.sendInOrder(records(0, 3)));
        await("the first entry sent again", () -> kafka.history().size() == 2);
        assertThat(round).as("waiting for the first acknowledgement").isNotDone();
        assertThat(kafka.completeNext()).isTrue();
        await("the rest sent together", () -> kafka.history().size() == 4);
        assertThat(kafka.completeNext()).isTrue();
        assertThat(kafka.completeNext()).isTrue();
        sent = round.get();
        assertThat(sent.acked()).isEqualTo(3);
        assertThat(sent.failure()).isNull();
        assertThat(ids(kafka.history())).containsExactly("0", "0", "1", "2");
    }

    @Test
    void onceAnEntryWasAcknowledgedARoundIsPipelinedAndAFailureStopsAtThatEntry() throws Exception {
        CompletableFuture<AuditDelivery.Sent> round = CompletableFuture.supplyAsync(() -> delivery.sendInOrder(
                records(0, 1)));
        await("the probe sent", () -> kafka.history().size() == 1);
        kafka.completeNext();
        assertThat(round.get().acked()).isEqualTo(1);

        // pipelined now: all four sent before any acknowledgement; the second fails, so two count as sent
        round = CompletableFuture.supplyAsync(() -> delivery.sendInOrder(records(1, 5)));
        await("the round's entries sent together", () -> kafka.history().size() == 5);
        kafka.completeNext(); // acknowledgements come in order
        kafka.errorNext(new TimeoutException("Expiring 1 record(s)"));
        AuditDelivery.Sent sent = round.get();
        assertThat(sent.acked()).isEqualTo(1);
        assertThat(sent.failure()).hasMessageContaining("Expiring");
    }

    private static List<ProducerRecord<String, byte[]>> records(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> AuditPublisher.record(Integer.toString(i),
                ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), null)).toList();
    }

    private static List<String> ids(List<ProducerRecord<String, byte[]>> sent) {
        return sent.stream().map(ProducerRecord::key).toList();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for: " + what).isNegative();
            Thread.sleep(5);
        }
    }
}
