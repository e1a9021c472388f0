package org.vigil.devstack.launcher;

import java.io.PrintStream;
import java.net.http.HttpClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.vigil.devstack.embedded.EmbeddedRedisServer;

/**
 * {@code ./vigil status}: readiness of each embedded or external server and each service, one line each. Exit
 * status 0 only when everything is ready, so scripts can wait on it.
 */
final class StatusCommand {

    private final StackConfig cfg;
    private final PrintStream out;
    private java.util.Map<String, Supervisor.State> supervised = java.util.Map.of();

    StatusCommand(StackConfig cfg, PrintStream out) {
        this.cfg = cfg;
        this.out = out;
    }

    int run() {
        supervised = Supervisor.read(cfg.run().resolve("supervisor.json")).orElse(java.util.List.of()).stream()
                .collect(java.util.stream.Collectors.toMap(Supervisor.State::name, st -> st));
        boolean allReady = true;
        allReady &= line("kafka", cfg.kafkaBootstrap(), kafkaReady());
        allReady &= line("postgres", cfg.databaseUrl(), postgresReady());
        allReady &= line("redis", cfg.redisUrl(), redisReady());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        for (StackConfig.Service s : cfg.services()) {
            ReadinessProbe.Result r = ReadinessProbe.check(http, s.managementPort());
            allReady &= line(s.name(), "http://127.0.0.1:" + s.port(), r);
        }
        out.println(allReady ? "all ready" : "NOT READY");
        return allReady ? 0 : 1;
    }

    private boolean line(String name, String address, ReadinessProbe.Result r) {
        out.println(String.format("%-18s %-34s %s%s", name, org.vigil.contracts.CameraConfig.maskCredentials(address),
                r.detail(), supervision(supervised.get(name))));
        return r.ready();
    }

    /** What the running launcher's supervisor says of a process: its restarts, or that it gave up on it. */
    static String supervision(Supervisor.State s) {
        if (s == null || (s.restarts() == 0 && s.lastExit() == null)) {
            return "";
        }
        String restarts = "; restarted " + s.restarts() + (s.restarts() == 1 ? " time" : " times");
        return switch (s.state()) {
            case "gave up" -> restarts + "; GAVE UP after repeated fast failures (" + s.lastExit() + ")";
            case "restarting" -> restarts + "; restarting (" + s.lastExit() + ")";
            default -> restarts + " (last: " + s.lastExit() + " at " + s.lastExitAt() + ")";
        };
    }

    private ReadinessProbe.Result kafkaReady() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cfg.kafkaBootstrap());
        // a fresh client's first answer (connection, metadata) can take seconds on a busy machine: a status check is
        // patient enough not to call a working broker down, and still answers within 10 s when it is
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 9000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 9000);
        try (Admin admin = Admin.create(p)) {
            int nodes = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
            return new ReadinessProbe.Result(nodes > 0, nodes > 0 ? "ready (" + nodes + " broker" + (nodes > 1 ? "s" : "")
                    + ")" : "no broker");
        } catch (Exception e) {
            return new ReadinessProbe.Result(false, "not answering");
        }
    }

    private ReadinessProbe.Result postgresReady() {
        String user = cfg.env().getOrDefault("DATABASE_USER", "vigil");
        String password = cfg.env().getOrDefault("DATABASE_PASSWORD", "");
        DriverManager.setLoginTimeout(3);
        try (Connection c = DriverManager.getConnection("jdbc:" + cfg.databaseUrl(), user, password)) {
            return new ReadinessProbe.Result(c.isValid(3), "ready");
        } catch (SQLException e) {
            return new ReadinessProbe.Result(false, "not answering (" + e.getSQLState() + ")");
        }
    }

    private ReadinessProbe.Result redisReady() {
        java.net.URI u = java.net.URI.create(cfg.redisUrl());
        boolean ok = EmbeddedRedisServer.ping(u.getHost(), u.getPort() < 0 ? 6379 : u.getPort(), Duration.ofSeconds(2));
        return new ReadinessProbe.Result(ok, ok ? "ready" : "not answering PING");
    }
}
