package org.vigil.devstack.launcher;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Entry point of the launcher jar: {@code up}, {@code status}, {@code topics} and {@code verify-audit}. The
 * {@code ./vigil} script builds, then calls this.
 */
public final class VigilCli {

    private VigilCli() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        String command = args.length == 0 ? "help" : args[0];
        int code;
        try {
            StackConfig cfg = StackConfig.fromEnvironment(System.getenv());
            configureLogging(cfg);
            useOwnTempDir(cfg);
            code = switch (command) {
                case "up" -> new Launcher(cfg.withUpOptions(java.util.Arrays.asList(args).subList(1, args.length)),
                        out).up();
                case "status" -> new StatusCommand(cfg, out).run();
                case "verify-audit" -> new AuditCheck(cfg, out).run();
                case "topics" -> topics(System.getenv(), out);
                default -> {
                    out.println("usage: vigil up [--site <id> --central <url>] | status | topics | verify-audit");
                    yield command.equals("help") ? 0 : 2;
                }
            };
        } catch (LaunchException e) {
            out.println("vigil: " + e.getMessage());
            code = 2;
        } catch (Exception e) {
            out.println("vigil: " + command + " failed: " + e.getMessage());
            out.println("       details in the logs under VIGIL_HOME/logs (default .vigil/logs).");
            code = 1;
        }
        System.exit(code);
    }

    /**
     * Creates Vigil's topics on an external Kafka (KAFKA_BOOTSTRAP_SERVERS), with KAFKA_REPLICATION replicas (default
     * 1; use 3 on a production cluster): what Kubernetes' topics Job and Compose's one-shot service run.
     */
    static int topics(java.util.Map<String, String> env, PrintStream out) throws Exception {
        String bootstrap = env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "").trim();
        if (bootstrap.isEmpty()) {
            throw new LaunchException("topics: set KAFKA_BOOTSTRAP_SERVERS to the Kafka cluster to create them on");
        }
        short replication;
        try {
            replication = Short.parseShort(env.getOrDefault("KAFKA_REPLICATION", "1").trim());
        } catch (NumberFormatException e) {
            throw new LaunchException("topics: KAFKA_REPLICATION must be a number of replicas, e.g. 3");
        }
        java.util.List<String> created = org.vigil.devstack.embedded.TopicAdmin.ensureTopics(bootstrap, replication,
                null, java.time.Duration.ofSeconds(120));
        out.println(created.isEmpty() ? "topics: all " + org.vigil.contracts.Topics.ALL.size() + " exist already"
                : "topics: created " + String.join(", ", created));
        return 0;
    }

    /**
     * PostgreSQL and Redis binaries unpack into java.io.tmpdir: keep them under VIGIL_HOME, not the shared /tmp.
     * Must run before anything reads the property.
     */
    private static void useOwnTempDir(StackConfig cfg) throws java.io.IOException {
        java.nio.file.Path tmp = cfg.home().resolve("tmp");
        java.nio.file.Files.createDirectories(tmp);
        System.setProperty("java.io.tmpdir", tmp.toString());
    }

    /** Kafka and the embedded servers log through SLF4J: send that to a file, not the operator's terminal. */
    private static void configureLogging(StackConfig cfg) throws java.io.IOException {
        java.nio.file.Files.createDirectories(cfg.logs());
        System.setProperty("org.slf4j.simpleLogger.logFile", cfg.logs().resolve("devstack.log").toString());
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.state.change.logger", "warn");
    }
}
