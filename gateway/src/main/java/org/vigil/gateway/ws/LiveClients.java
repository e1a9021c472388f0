package org.vigil.gateway.ws;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.vigil.contracts.Access;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;

/** The WebSocket clients of this gateway and the sites each may see. */
@ApplicationScoped
public class LiveClients {

    private record Client(WebSocketConnection connection, List<String> sites) {
    }

    private final Map<String, Client> clients = new ConcurrentHashMap<>();

    public LiveClients(MeterRegistry metrics) {
        metrics.gaugeMapSize("vigil_gateway_websocket_clients", List.of(), clients);
    }

    void add(WebSocketConnection c, List<String> sites) {
        clients.put(c.id(), new Client(c, List.copyOf(sites)));
    }

    void remove(WebSocketConnection c) {
        clients.remove(c.id());
    }

    /** Sends {@code json} to every open client allowed to see {@code site}. */
    public void send(String site, String json) {
        for (Client c : clients.values()) {
            if (Access.siteAllowed(c.sites(), site) && c.connection().isOpen()) {
                c.connection().sendText(json).subscribe().with(ok -> {
                }, failure -> clients.remove(c.connection().id()));
            }
        }
    }

    public int size() {
        return clients.size();
    }
}
