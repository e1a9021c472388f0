package org.vigil.export;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Site "far"'s recorder as the export service sees it: the segment endpoint's answer, bytes by file name, and the
 * Authorization header of each request. The real endpoint (its grant checks) is the recorder's own test's; the real
 * path across a WAN link is {@code SiteWanIT}'s. This one lets the export's own logic be tested: the grant it
 * sends, the hash check, what a failure leaves behind.
 */
public class FarSiteRecorder implements QuarkusTestResourceLifecycleManager {

    static final Map<String, byte[]> FILES = new ConcurrentHashMap<>();
    static final List<String> AUTHORIZATIONS = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/api/recorder/segments/", exchange -> {
            AUTHORIZATIONS.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            String path = exchange.getRequestURI().getPath();
            byte[] body = FILES.get(path.substring(path.lastIndexOf('/') + 1));
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        return Map.of("vigil.export.site-recorders", "far=http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
