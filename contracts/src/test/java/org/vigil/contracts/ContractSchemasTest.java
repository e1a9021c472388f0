package org.vigil.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;

/**
 * The published contract (docs/asyncapi: the AsyncAPI document and its JSON Schemas) against the code that produces
 * and consumes the messages: every schema names exactly the fields of its record, nested types included; messages
 * written by {@link Json} validate; broken ones do not; enums match; the AsyncAPI document has one channel per topic
 * of {@link Topics#ALL} with its partitions and cleanup policy.
 */
class ContractSchemasTest {

    static final Path DIR = root().resolve("docs/asyncapi");
    private static final Instant T = Instant.parse("2026-11-28T12:00:00.123Z");
    private static final String UUID1 = "6b1e8a52-7f0c-4d3e-9a55-0c2f4f1b9d10";

    /** Each JSON message type and its schema; nested record types by their $defs name. */
    private static final Map<Class<? extends Record>, Map<String, Class<? extends Record>>> TYPES = new LinkedHashMap<>();

    static {
        TYPES.put(CameraConfig.class, Map.of("Zone", Zone.class, "Point", Zone.Point.class));
        TYPES.put(CameraStatus.class, Map.of());
        TYPES.put(MotionEvent.class, Map.of("Box", Box.class));
        TYPES.put(Detections.class, Map.of("Detected", Detections.Detected.class, "Box", Box.class));
        TYPES.put(SegmentClosed.class, Map.of());
        TYPES.put(StorageSettings.class, Map.of());
        TYPES.put(Alert.class, Map.of());
        TYPES.put(AuditEntry.class, Map.of());
        TYPES.put(NodeHeartbeat.class, Map.of());
        TYPES.put(LiveDemand.class, Map.of());
    }

    /** Messages as producers write them: with nulls where a field may be null, and with values. */
    static List<Object> samples() {
        Zone zone = new Zone("door", List.of(new Zone.Point(0.1, 0.1), new Zone.Point(0.9, 0.1),
                new Zone.Point(0.5, 0.9)));
        Box box = new Box(0.25, 0.5, 0.1, 0.3);
        return List.of(
                new CameraConfig(1, "cam-1", "Front door", "hq", "rtsp://10.0.0.5/stream1", null, true, 0.5,
                        List.of(zone), List.of(), T, "admin", false, "viewer", "v1.bm9uY2UtYW5kLXNlYWxlZA", 0.02,
                        List.of("person", "car"), 30),
                new CameraConfig(1, "usb0", "Desk", "hq", "0", "rtsp://10.0.0.5/sub", false, 1.0, null, List.of(zone),
                        T, "capture:CAMERA_SOURCES"),
                new CameraStatus(1, "cam-1", "hq", CameraStatus.State.ONLINE, 14.8, 1920, 1080, "h264", null,
                        "capture-1", T),
                new CameraStatus(1, "cam-1", "hq", CameraStatus.State.NO_SIGNAL, 0, 0, 0, null,
                        "no frame for 10000 ms", "capture-1", T),
                new MotionEvent(1, UUID1, "cam-1", "hq", MotionEvent.Phase.START, T, T, 0.12, List.of(box), null),
                new MotionEvent(1, UUID1, "cam-1", "hq", MotionEvent.Phase.END, T, T.plusSeconds(9), 0.4, List.of(),
                        "door"),
                new Detections(1, "cam-1", "hq", UUID1, T, "hog-people",
                        List.of(new Detections.Detected("person", 0.87, box))),
                new Detections(1, "cam-1", "hq", null, T, "onnx:yolo11n.onnx",
                        List.of(new Detections.Detected("car", 0.6, box))),
                new SegmentClosed(1, "cam-1/recording_cam-1_20261128T120000.123Z.avi", "cam-1", "hq",
                        "/var/lib/vigil/recordings", "hq/cam-1/2026-11-28/recording_cam-1_20261128T120000.123Z.avi", T,
                        T.plusSeconds(60), 900, 7_340_032, "a".repeat(64), "h264", 1920, 1080),
                new StorageSettings(1, "/mnt/big/recordings", List.of("/var/lib/vigil/recordings"), 5L << 30, T,
                        "admin"),
                new Alert(1, UUID1, Alert.LOW_DISK, Alert.State.RAISED, "recorder-service@host", null,
                        "Free space on /rec is below the floor", T, Map.of("freeBytes", "1024")),
                new AuditEntry(1, UUID1, T, "gateway", "admin", "auth.login", null, null, "success", Map.of()),
                new AuditEntry(1, UUID1, T, "export-service", "olga", "export.create", "e-1", "hq", "denied",
                        Map.of("reason", "case 42")),
                new NodeHeartbeat(1, "north", "recorder-service@north-1", T, 4L << 40, 1L << 40, 12),
                new NodeHeartbeat(1, "north", "capture-service@north-1", T, 0, 0, 3, NodeHeartbeat.CAPTURE),
                new LiveDemand(1, "cam-1", LiveDemand.SUBSTREAM, 8000, "recorder-live"),
                new LiveDemand(1, "cam-1", LiveDemand.PREVIEWS, 0, "gateway-previews"));
    }

    @Test
    void everySchemaNamesExactlyTheFieldsOfItsRecordAndRequiresThemAll() throws IOException {
        for (var e : TYPES.entrySet()) {
            JsonNode schema = schema(e.getKey());
            assertThat(schema.path("title").asText()).isEqualTo(e.getKey().getSimpleName());
            assertThat(fieldNames(schema.path("properties"))).as("%s properties", e.getKey().getSimpleName())
                    .isEqualTo(components(e.getKey()));
            assertThat(textValues(schema.path("required"))).as("%s required", e.getKey().getSimpleName())
                    .isEqualTo(components(e.getKey()));
            for (var nested : e.getValue().entrySet()) {
                JsonNode def = schema.path("$defs").path(nested.getKey());
                assertThat(fieldNames(def.path("properties"))).as("%s $defs/%s", e.getKey().getSimpleName(),
                        nested.getKey()).isEqualTo(components(nested.getValue()));
            }
            assertThat(schema.path("properties").path("v").path("const").asInt()).isEqualTo(1);
        }
    }

    @Test
    void enumsInTheSchemasAreTheWireNamesOfTheCode() throws IOException {
        assertThat(textValues(schema(CameraStatus.class).path("properties").path("state").path("enum")))
                .isEqualTo(wireNames(CameraStatus.State.values()));
        assertThat(textValues(schema(MotionEvent.class).path("properties").path("phase").path("enum")))
                .isEqualTo(wireNames(MotionEvent.Phase.values()));
        assertThat(textValues(schema(Alert.class).path("properties").path("state").path("enum")))
                .isEqualTo(wireNames(Alert.State.values()));
        assertThat(textValues(schema(LiveDemand.class).path("properties").path("stream").path("enum")))
                .containsExactlyInAnyOrder(LiveDemand.SUBSTREAM, LiveDemand.PREVIEWS);
    }

    @Test
    void messagesAsProducersWriteThemValidate() throws IOException {
        for (Object message : samples()) {
            JsonNode json = Json.mapper().readTree(Json.write(message));
            assertThat(validator(message.getClass()).validate(json)).as("%s", json).isEmpty();
        }
    }

    @Test
    void brokenMessagesAreRejectedWithTheFieldNamed() throws IOException {
        ObjectNode motion = (ObjectNode) Json.mapper().readTree(Json.write(samples().get(4)));
        motion.remove("phase");
        motion.put("score", 2.5);
        motion.put("at", "yesterday");
        Set<ValidationMessage> errors = validator(MotionEvent.class).validate(motion);
        assertThat(errors.stream().map(ValidationMessage::getMessage).collect(Collectors.joining("\n")))
                .contains("phase").contains("score").contains("at");

        ObjectNode status = (ObjectNode) Json.mapper().readTree(Json.write(samples().get(2)));
        status.put("state", "broken");
        status.put("cameraId", "Front Door!");
        assertThat(validator(CameraStatus.class).validate(status)).hasSize(2);

        ObjectNode segment = (ObjectNode) Json.mapper().readTree(Json.write(samples().get(8)));
        segment.put("sha256", "not-a-hash");
        segment.put("path", "hq/cam-1/x.mp4");
        assertThat(validator(SegmentClosed.class).validate(segment)).hasSize(2);
    }

    @Test
    void theAsyncApiDocumentHasOneChannelPerTopicWithItsPartitionsCleanupAndSchema() throws IOException {
        JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(DIR.resolve("asyncapi.yaml").toFile());
        assertThat(doc.path("asyncapi").asText()).startsWith("3.");
        Map<String, JsonNode> byAddress = new LinkedHashMap<>();
        doc.path("channels").forEach(c -> byAddress.put(c.path("address").asText(), c));
        assertThat(byAddress.keySet()).containsExactlyInAnyOrderElementsOf(
                Topics.ALL.stream().map(Topics.TopicSpec::name).toList());

        Set<String> referenced = new HashSet<>();
        for (Topics.TopicSpec spec : Topics.ALL) {
            JsonNode kafka = byAddress.get(spec.name()).path("bindings").path("kafka");
            assertThat(kafka.path("partitions").asInt()).as(spec.name()).isEqualTo(spec.partitions());
            assertThat(kafka.path("topicConfiguration").path("cleanup.policy").get(0).asText()).as(spec.name())
                    .isEqualTo(spec.cleanupPolicy());
            if (spec.retention() != null && !spec.name().equals(Topics.MEDIA)) {
                assertThat(kafka.path("topicConfiguration").path("retention.ms").asLong()).as(spec.name())
                        .isEqualTo(spec.retention().toMillis());
            }
            String messageRef = byAddress.get(spec.name()).path("messages").elements().next().path("$ref").asText();
            JsonNode message = doc.at(messageRef.substring(1));
            assertThat(message.isMissingNode()).as(messageRef).isFalse();
            String payloadRef = message.path("payload").path("$ref").asText();
            if (!payloadRef.isEmpty()) {
                assertThat(DIR.resolve(payloadRef)).as(spec.name()).exists();
                referenced.add(payloadRef);
            }
        }
        // every JSON message type is published on a topic
        assertThat(referenced).containsExactlyInAnyOrderElementsOf(
                TYPES.keySet().stream().map(c -> "schemas/" + c.getSimpleName() + ".schema.json").toList());
    }

    @Test
    void tracedMessagesDocumentTheTraceContextHeaderExactlyAsTraceHeadersWritesIt() throws IOException {
        JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(DIR.resolve("asyncapi.yaml").toFile());
        JsonNode headers = doc.at("/components/messageTraits/traced/headers");
        assertThat(headers.path("properties").has(TraceHeaders.TRACEPARENT)).isTrue();
        // every JSON message but the heartbeat and the live demand (and the snapshot) is traced; media packets and
        // previews are not
        Set<String> traced = new HashSet<>();
        doc.path("components").path("messages").fields().forEachRemaining(m -> {
            if (m.getValue().path("traits").toString().contains("#/components/messageTraits/traced")) {
                traced.add(m.getKey());
            }
        });
        Set<String> expected = new HashSet<>(TYPES.keySet().stream().map(Class::getSimpleName).toList());
        expected.add("Snapshot");
        expected.remove("NodeHeartbeat"); // a sign of life every few seconds, not part of any trace
        expected.remove("LiveDemand"); // a lease refreshed every few seconds, likewise
        assertThat(traced).containsExactlyInAnyOrderElementsOf(expected);

        // what a producer writes: a span context through the W3C propagator into Kafka headers, via TraceHeaders
        io.opentelemetry.api.trace.SpanContext sent = io.opentelemetry.api.trace.SpanContext.create(
                "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", io.opentelemetry.api.trace.TraceFlags.getSampled(),
                io.opentelemetry.api.trace.TraceState.getDefault());
        org.apache.kafka.common.header.internals.RecordHeaders kafkaHeaders = new org.apache.kafka.common.header.internals.RecordHeaders();
        kafkaHeaders.add("vigil.other", new byte[] {1});
        io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator w3c = io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator
                .getInstance();
        w3c.inject(io.opentelemetry.context.Context.root().with(io.opentelemetry.api.trace.Span.wrap(sent)), kafkaHeaders,
                TraceHeaders.SETTER);
        w3c.inject(io.opentelemetry.context.Context.root().with(io.opentelemetry.api.trace.Span.wrap(sent)), kafkaHeaders,
                TraceHeaders.SETTER);
        assertThat(kafkaHeaders.headers(TraceHeaders.TRACEPARENT)).as("written once, not appended twice").hasSize(1);
        String value = TraceHeaders.GETTER.get(kafkaHeaders, TraceHeaders.TRACEPARENT);
        assertThat(value).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(headers.path("properties").path(TraceHeaders.TRACEPARENT));
        assertThat(schema.validate(new ObjectMapper().getNodeFactory().textNode(value))).isEmpty();
        assertThat(schema.validate(new ObjectMapper().getNodeFactory().textNode("00-xyz-01"))).isNotEmpty();

        // what a consumer reads back
        io.opentelemetry.api.trace.SpanContext read = io.opentelemetry.api.trace.Span.fromContext(w3c.extract(
                io.opentelemetry.context.Context.root(), kafkaHeaders, TraceHeaders.GETTER)).getSpanContext();
        assertThat(read.getTraceId()).isEqualTo(sent.getTraceId());
        assertThat(read.getSpanId()).isEqualTo(sent.getSpanId());
        assertThat(read.isRemote()).isTrue();
    }

    static JsonSchema validator(Class<?> type) throws IOException {
        // formats (date-time, uuid) asserted, as an integrator's validator should
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
                Files.readString(DIR.resolve("schemas/" + type.getSimpleName() + ".schema.json")),
                com.networknt.schema.SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }

    private static JsonNode schema(Class<?> type) throws IOException {
        return Json.mapper().readTree(DIR.resolve("schemas/" + type.getSimpleName() + ".schema.json").toFile());
    }

    private static Set<String> components(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(c -> c.getName()).collect(Collectors.toSet());
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> out = new HashSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static Set<String> textValues(JsonNode array) {
        Set<String> out = new HashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Set<String> wireNames(Enum<?>[] values) {
        return Arrays.stream(values).map(v -> Json.mapper().convertValue(v, String.class)).collect(Collectors.toSet());
    }

    private static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("docs/asyncapi"))) {
                return p;
            }
        }
        throw new IllegalStateException("docs/asyncapi not found above " + Path.of("").toAbsolutePath());
    }
}
