package org.vigil.devstack.launcher;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where everything runs, read from the environment. Every port can be overridden; an external Kafka, PostgreSQL or
 * Redis replaces the embedded one when its address is set.
 *
 * @param root       the repository (or distribution) root holding the service modules
 * @param home       VIGIL_HOME: data, logs and keys; {@code <root>/.vigil} by default
 * @param services   the six services, gateway first
 * @param bindHost   the address the gateway listens on (VIGIL_BIND); backends always listen on 127.0.0.1, but for a
 *                   site node's recorder, which central's gateway reaches
 * @param siteNode   present for {@code up --site <id> --central <url>}: a site node (design 0017)
 */
public record StackConfig(
        Path root,
        Path home,
        List<Service> services,
        String bindHost,
        int kafkaPort,
        int kafkaControllerPort,
        int postgresPort,
        int redisPort,
        Optional<String> externalKafka,
        Optional<String> externalDatabaseUrl,
        Optional<String> externalRedisUrl,
        Map<String, String> env,
        Optional<SiteNode> siteNode) {

    private static final java.util.regex.Pattern SITE_ID = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /**
     * A site node: capture and recorder near their cameras with a Kafka of their own, linked to a central part
     * (design 0017). Central's site-link pulls the site's metadata from {@code kafkaWan}; central's gateway fetches
     * footage from the recorder; the site's services check callers' tokens against central's keys.
     *
     * @param id       the site's id (VIGIL_SITE of its services), lower-case letters, digits and '-'
     * @param central  central's gateway, {@code https://central.example}
     * @param kafkaWan the Kafka listener central reaches: {@code <bind>:<port>@<advertised host>:<port>}
     */
    public record SiteNode(String id, java.net.URI central, String kafkaWan) {
    }

    /**
     * A service, the port it listens on, and the port of its management interface (health, metrics), which only
     * ever listens on loopback here.
     */
    public record Service(String name, int port, int managementPort) {
        public Path jar(Path root) {
            return root.resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
        }
    }

    public static StackConfig fromEnvironment(Map<String, String> env) {
        Path root = Optional.ofNullable(env.get("VIGIL_ROOT")).map(Path::of).orElseGet(StackConfig::rootFromJar);
        Path home = Optional.ofNullable(env.get("VIGIL_HOME")).map(Path::of).orElse(root.resolve(".vigil"))
                .toAbsolutePath().normalize();
        List<Service> services = List.of(
                service(env, "gateway", "GATEWAY", 8080),
                service(env, "capture-service", "CAPTURE", 8081),
                service(env, "recorder-service", "RECORDER", 8082),
                service(env, "event-service", "EVENT", 8083),
                service(env, "export-service", "EXPORT", 8084),
                service(env, "retention-service", "RETENTION", 8085));
        return new StackConfig(root.toAbsolutePath().normalize(), home, services,
                env.getOrDefault("VIGIL_BIND", "127.0.0.1"),
                port(env, "KAFKA_PORT", 19092), port(env, "KAFKA_CONTROLLER_PORT", 19093),
                port(env, "POSTGRES_PORT", 15432), port(env, "REDIS_PORT", 16379),
                nonBlank(env.get("KAFKA_BOOTSTRAP_SERVERS")), nonBlank(env.get("DATABASE_URL")),
                nonBlank(env.get("REDIS_URL")), Map.copyOf(env), Optional.empty());
    }

    /**
     * The same, as {@code up}'s options make it: none, or {@code --site <id> --central <url>} for a site node (only
     * capture and recorder, on a Kafka of their own; no PostgreSQL, no Redis).
     *
     * @throws LaunchException naming what is wrong with the options
     */
    public StackConfig withUpOptions(List<String> args) {
        String site = null;
        String central = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.equals("--site") && !a.equals("--central")) {
                throw new LaunchException("up: unknown option '" + a + "'; usage: vigil up [--site <id> --central "
                        + "<central gateway url>]");
            }
            if (i + 1 >= args.size()) {
                throw new LaunchException("up: " + a + " needs a value");
            }
            if (a.equals("--site")) {
                site = args.get(++i);
            } else {
                central = args.get(++i);
            }
        }
        if (site == null && central == null) {
            return this;
        }
        if (site == null || central == null) {
            throw new LaunchException("up: a site node needs both --site <id> and --central <central gateway url>");
        }
        if (!SITE_ID.matcher(site).matches()) {
            throw new LaunchException("up: site id '" + site + "' must be lower-case letters, digits and '-' (it "
                    + "names the site's topics at central)");
        }
        java.net.URI url;
        try {
            url = java.net.URI.create(central);
        } catch (IllegalArgumentException e) {
            throw new LaunchException("up: --central '" + central + "' is not a URL");
        }
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            throw new LaunchException("up: --central must be central's gateway, http(s)://host[:port], got '"
                    + central + "'");
        }
        int wanPort = port(env, "KAFKA_WAN_PORT", 19094);
        // what central is told to dial: this host by default, or another address (a NAT's, a relay's)
        String advertised = env.getOrDefault("KAFKA_WAN_ADVERTISED", "").trim();
        if (advertised.isEmpty()) {
            advertised = publicHost() + ":" + wanPort;
        } else if (!advertised.matches("[0-9A-Za-z.-]+:[0-9]{1,5}")) {
            throw new LaunchException("KAFKA_WAN_ADVERTISED=" + advertised + " is not host:port");
        }
        List<Service> nodeServices = services.stream().filter(s -> s.name().equals("capture-service")
                || s.name().equals("recorder-service")).toList();
        return new StackConfig(root, home, nodeServices, bindHost, kafkaPort, kafkaControllerPort, postgresPort, redisPort,
                externalKafka, Optional.empty(), Optional.empty(), env,
                Optional.of(new SiteNode(site, url, bindHost + ":" + wanPort + "@" + advertised)));
    }

    /** How other machines name this one: the bind address, or this host's name when it listens on every address. */
    public String publicHost() {
        return bindHost.equals("0.0.0.0") ? hostName() : bindHost;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getCanonicalHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /** {@code <PREFIX>_PORT} (default {@code port}) and {@code <PREFIX>_MANAGEMENT_PORT} (default port + 1000). */
    private static Service service(Map<String, String> env, String name, String prefix, int port) {
        int p = port(env, prefix + "_PORT", port);
        return new Service(name, p, port(env, prefix + "_MANAGEMENT_PORT", port + 1000));
    }

    /** The gateway; a site node has none (central's serves it). */
    public Service gateway() {
        if (siteNode.isPresent()) {
            throw new IllegalStateException("a site node runs no gateway");
        }
        return services.get(0);
    }

    public String kafkaBootstrap() {
        return externalKafka.orElse("127.0.0.1:" + kafkaPort);
    }

    public String databaseUrl() {
        return externalDatabaseUrl.orElse("postgresql://127.0.0.1:" + postgresPort + "/vigil");
    }

    public String redisUrl() {
        return externalRedisUrl.orElse("redis://127.0.0.1:" + redisPort);
    }

    public Path logs() {
        return home.resolve("logs");
    }

    public Path run() {
        return home.resolve("run");
    }

    private static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.trim());
    }

    private static int port(Map<String, String> env, String name, int fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            int p = Integer.parseInt(v.trim());
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new LaunchException(name + "=" + v + " is not a port number (1-65535).");
        }
    }

    /** The launcher jar lives in {@code <root>/devstack/target/}. */
    private static Path rootFromJar() {
        try {
            Path jar = Path.of(StackConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = jar.getParent().getParent().getParent();
            if (candidate != null && Files.exists(candidate.resolve("gateway"))) {
                return candidate;
            }
            return Path.of("").toAbsolutePath();
        } catch (URISyntaxException e) {
            return Path.of("").toAbsolutePath();
        }
    }
}
