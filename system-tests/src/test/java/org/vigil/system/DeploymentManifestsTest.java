package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vigil.contracts.Json;
import org.vigil.contracts.Topics;
import org.vigil.devstack.testing.MetricsCatalog;

/**
 * deploy/ is checked without a cluster: the kustomize base and overlays are rendered by kustomize itself and every
 * object is validated against the Kubernetes schemas (kubernetes-models, from npm) and Vigil's rules (probes on the
 * health endpoints of the management port, scrape on 9000, that port never in the gateway's Service, resources, a PDB
 * and a Service per service, no more replicas than partitions);
 * docker-compose.yml against the Compose Specification; the alert rules as Prometheus loads them. Each validator is
 * also shown to reject a broken copy, so a green run means something. The dashboard and alerts may use only metrics
 * the catalog (docs/metrics.md) lists, and each alert's runbook link must lead to a section of docs/RUNBOOKS.md.
 */
class DeploymentManifestsTest {

    private static final Path ROOT = Stack.root();
    private static final Path VALIDATOR = ROOT.resolve("deploy/validate");
    private static final String MAX_REPLICAS = "capture-service=" + Topics.CAMERA_PARTITIONS + ",recorder-service="
            + Topics.CAMERA_PARTITIONS;
    private static final Pattern METRIC = Pattern.compile("\\b(vigil_[a-z0-9_]+)");

    @TempDir
    Path tmp;

    record Result(int exit, String output) {
    }

    @BeforeAll
    static void installValidator() throws Exception {
        Path installed = VALIDATOR.resolve("node_modules/.package-lock.json");
        Path lock = VALIDATOR.resolve("package-lock.json");
        if (Files.exists(installed) && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) > 0) {
            return;
        }
        Result r = run(VALIDATOR, 300, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
        assertThat(r.exit()).as("npm ci in deploy/validate:\n%s", r.output()).isZero();
        Files.setLastModifiedTime(installed, FileTime.fromMillis(System.currentTimeMillis()));
    }

    @Test
    void kustomizeBaseAndOverlaysRenderAndMatchTheKubernetesSchemasAndVigilsRules() throws Exception {
        Path production = copyOf(ROOT.resolve("deploy/k8s"), tmp.resolve("k8s"));
        // production reads its secrets from a file nobody commits: the example stands in for it
        Files.copy(production.resolve("overlays/production/secrets.env.example"),
                production.resolve("overlays/production/secrets.env"));

        Result r = validate("k8s", "--policy", "--max-replicas", MAX_REPLICAS, ROOT.resolve("deploy/k8s/base").toString(),
                ROOT.resolve("deploy/k8s/overlays/dev").toString(), production.resolve("overlays/production").toString());

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("ok   " + ROOT.resolve("deploy/k8s/overlays/dev") + " Deployment/gateway",
                "StatefulSet/kafka", "PersistentVolumeClaim/vigil-recordings", "PodDisruptionBudget/recorder-service",
                "HorizontalPodAutoscaler/capture-service", "Job/vigil-topics")
                .doesNotContain("FAIL");
    }

    @Test
    void theKubernetesValidatorRejectsWhatIsBroken() throws Exception {
        Path k8s = copyOf(ROOT.resolve("deploy/k8s"), tmp.resolve("k8s"));
        Path gateway = k8s.resolve("base/gateway.yaml");
        String g = Files.readString(gateway);
        Files.writeString(gateway, g.replace("path: /q/health/ready", "path: /q/health")
                .replace("  replicas: 2", "  replicas: two")
                .replace("          ports:\n", "          prots:\n")
                .replace("      targetPort: http\n",
                        "      targetPort: http\n    - name: management\n      port: 9000\n      targetPort: management\n"));
        Path recorder = k8s.resolve("base/recorder-service.yaml");
        Files.writeString(recorder, Files.readString(recorder).replace("maxReplicas: 12", "maxReplicas: 13"));
        // health on the public port: the services serve it only on the management interface
        Path capture = k8s.resolve("base/capture-service.yaml");
        Files.writeString(capture, Files.readString(capture)
                .replace("              port: management\n", "              port: http\n"));

        Result r = validate("k8s", "--policy", "--max-replicas", MAX_REPLICAS, k8s.resolve("base").toString());

        assertThat(r.exit()).as(r.output()).isEqualTo(1);
        assertThat(r.output()).contains("/spec/replicas must be integer", "containers[0].prots: unknown field",
                "Deployment/gateway: readinessProbe must GET /q/health/ready",
                "HorizontalPodAutoscaler/recorder-service: maxReplicas 13, more than the 12 partitions",
                "Deployment/capture-service: readinessProbe must use port management, not http",
                "Deployment/capture-service: livenessProbe must use port management, not http",
                "Service/gateway: must not expose the gateway's management port 9000");
    }

    @Test
    void theProductionOverlayDoesNotRenderWithoutItsSecretsFile() throws Exception {
        Path k8s = copyOf(ROOT.resolve("deploy/k8s"), tmp.resolve("k8s")); // the copy never has an operator's file

        Result r = validate("k8s", k8s.resolve("overlays/production").toString());

        assertThat(r.exit()).as(r.output()).isEqualTo(1);
        assertThat(r.output()).contains("secrets.env");
    }

    @Test
    void dockerComposeMatchesTheComposeSpecificationAndItsValidatorRejectsWhatIsBroken() throws Exception {
        Result good = validate("compose", ROOT.resolve("docker-compose.yml").toString());
        assertThat(good.exit()).as(good.output()).isZero();

        String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
        Path bad = tmp.resolve("docker-compose.yml");
        Files.writeString(bad, compose.replace("    restart: unless-stopped\n    command: [\"redis-server\"",
                "    restrat: unless-stopped\n    command: [\"redis-server\"").replace("\"8080:8080\"", "\"80a:8080\""));
        Result r = validate("compose", bad.toString());
        assertThat(r.exit()).as(r.output()).isEqualTo(1);
        assertThat(r.output()).contains("/services/redis must NOT have additional properties 'restrat'",
                "/services/gateway/ports/0 invalid port spec '80a:8080'");
    }

    @Test
    void composeRunsTheOfficialKafkaPostgresAndRedisImagesAndEveryService() throws Exception {
        String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
        assertThat(compose).contains("image: apache/kafka:", "KAFKA_PROCESS_ROLES: broker,controller",
                "image: postgres:", "image: redis:");
        for (String service : List.of("gateway", "capture-service", "recorder-service", "event-service",
                "export-service", "retention-service")) {
            assertThat(compose).contains("\n  " + service + ":\n", "SERVICE: " + service);
        }
    }

    @Test
    void alertRulesLoadAsPrometheusRulesAndTheirValidatorRejectsWhatIsBroken() throws Exception {
        Path rules = ROOT.resolve("deploy/observability/alerts.yml");
        Result good = validate("rules", rules.toString());
        assertThat(good.exit()).as(good.output()).isZero();

        Path bad = tmp.resolve("alerts.yml");
        Files.writeString(bad, Files.readString(rules).replaceFirst("for: 2m", "for: two minutes")
                .replaceFirst("severity: warning", "severity: loud"));
        Result r = validate("rules", bad.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.output()).contains("invalid duration 'two minutes'", "severity must be warning or critical");
    }

    @Test
    void alertsCoverNoSignalLagLowDiskAndUnsyncedTimeAndLinkToRunbookSections() throws Exception {
        String rules = Files.readString(ROOT.resolve("deploy/observability/alerts.yml"));
        assertThat(rules).contains("vigil_capture_online == 0", "vigil_recorder_lag_seconds >",
                "vigil_retention_low_disk == 1", "vigil_gateway_time_synced == 0");

        Set<String> anchors = runbookAnchors();
        Matcher m = Pattern.compile("runbook: docs/RUNBOOKS.md#([a-z0-9-]+)").matcher(rules);
        int links = 0;
        while (m.find()) {
            links++;
            assertThat(anchors).as("docs/RUNBOOKS.md sections").contains(m.group(1));
        }
        assertThat(links).isGreaterThanOrEqualTo(10);
    }

    @Test
    void theDashboardAndTheAlertsUseOnlyMetricsTheServicesExpose() throws Exception {
        JsonNode dashboard = Json.mapper().readTree(ROOT.resolve("deploy/observability/grafana-dashboard.json").toFile());
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.path("targets").size()).as("targets of panel '%s'", panel.path("title").asText())
                    .isPositive();
            panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        }
        String rules = Files.readString(ROOT.resolve("deploy/observability/alerts.yml"));

        Set<String> used = new LinkedHashSet<>();
        for (String text : Stream.concat(exprs.stream(), Stream.of(rules)).toList()) {
            Matcher m = METRIC.matcher(text);
            while (m.find()) {
                used.add(m.group(1).replaceFirst("_(bucket|count|sum)$", ""));
            }
        }
        assertThat(used).as("metrics the dashboard and alerts use").hasSizeGreaterThan(20);
        assertThat(MetricsCatalog.known()).as("docs/metrics.md, which each service's test checks against /q/metrics")
                .containsAll(used);
        // the figures the issue asks an SRE to see
        assertThat(String.join("\n", exprs)).contains("vigil_capture_input_fps", "vigil_capture_dropped_packets_total",
                "vigil_recorder_lag_seconds", "vigil_recorder_write_seconds_bucket", "vigil_events_stored_total",
                "vigil_gateway_websocket_clients", "vigil_export_jobs_queued", "vigil_retention_backlog_segments",
                "vigil_retention_headroom_hours");
    }

    /** GitHub's anchors of docs/RUNBOOKS.md's headings: lower case, punctuation dropped, spaces to hyphens. */
    private static Set<String> runbookAnchors() throws IOException {
        Set<String> out = new LinkedHashSet<>();
        for (String line : Files.readAllLines(ROOT.resolve("docs/RUNBOOKS.md"))) {
            if (line.startsWith("## ")) {
                String text = Normalizer.normalize(line.substring(3).trim(), Normalizer.Form.NFKC).toLowerCase();
                out.add(text.replaceAll("[^a-z0-9 -]", "").replace(' ', '-'));
            }
        }
        return out;
    }

    private static Result validate(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("node", "validate.mjs"));
        cmd.addAll(List.of(args));
        return run(VALIDATOR, 120, cmd.toArray(String[]::new));
    }

    private static Result run(Path dir, int timeoutSeconds, String... cmd) throws Exception {
        Path log = Files.createTempFile("validate-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s:\n"
                        + Files.readString(log));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static Path copyOf(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else if (!f.getFileName().toString().equals("secrets.env")) {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }
}
