package org.vigil.system;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import org.vigil.devstack.testing.TestTokens;

/**
 * One {@code ./vigil up} for the test classes that only need a running system, started by the first of them and
 * stopped by the last (the classes are ordered: {@link OperatorUiIT}, then {@link WholeStackIT}, whose last tests kill
 * and stop it). Starting the six services and the embedded servers is the costliest step of the suite (about 35 s on
 * two cores), and these classes' settings can all hold at once: {@code cam-a} on site-a from CAMERA_SOURCES (the
 * operator tests add {@code cam-b} on site-b through the registry), segments of 4 s, JSON logs, traces exported over
 * OTLP/HTTP to a stand-in collector here, and the gateway signing with the test key (so TestTokens' tokens stand for
 * the short-lived ones it gives the backends).
 */
final class SharedStack {

    /** The bodies of the OTLP/HTTP trace exports the services sent the stand-in collector. */
    static final List<byte[]> EXPORTED_TRACES = new CopyOnWriteArrayList<>();

    private static Stack stack;
    private static HttpServer collector;
    private static String adminPassword;

    private SharedStack() {
    }

    /** The running shared stack, started on first use. */
    static synchronized Stack get() throws Exception {
        if (stack == null) {
            Path home = Path.of("target", "it-home").toAbsolutePath();
            WholeStackIT.deleteTree(home);
            collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            collector.createContext("/", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                if (exchange.getRequestURI().getPath().equals("/v1/traces") && "application/x-protobuf"
                        .equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
                    EXPORTED_TRACES.add(body);
                }
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse: all accepted
                exchange.close();
            });
            collector.start();
            Path keys = home.resolveSibling("it-keys");
            TestTokens.writeSigningKey(keys);
            // one box capturing for both sites (cam-b, at site-b, is registered by OperatorUiIT)
            stack = new Stack(home, Map.of("CAMERA_SOURCES", "cam-a=test:?fps=10", "CAMERA_SITE", "site-a",
                    "VIGIL_CAPTURE_SITES", "site-a,site-b",
                    "VIGIL_RECORDER_SEGMENT_LENGTH", "4s", "VIGIL_LOG_JSON", "true", "VIGIL_KEYS_DIR", keys.toString(),
                    "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort(),
                    "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")).start(Duration.ofMinutes(4));
            adminPassword = stack.adminPassword;
        }
        return stack;
    }

    /** The first admin's password, printed once by the first start. */
    static synchronized String adminPassword() {
        return adminPassword;
    }

    /** A test that restarted the launcher hands the new one over (the same data directory and settings). */
    static synchronized void replace(Stack next) {
        stack = next;
    }

    /** Stops the stack and the collector (the last class's end; a JVM that exits first stops it by a hook). */
    static synchronized void close() throws Exception {
        if (stack != null) {
            stack.close();
            stack = null;
        }
        if (collector != null) {
            collector.stop(0);
            collector = null;
        }
    }
}
