package org.vigil.gateway.ws;

import java.util.Map;

import org.vigil.contracts.Json;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.TokenService;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;

/**
 * {@code /ws}: live updates for the signed-in user's sites. The upgrade itself requires a session (path permission),
 * so an anonymous client never gets a socket. Messages, all JSON text: {@code hello} (who the server thinks you are),
 * {@code snapshot} (newest events and every camera status you may see), then every change as it happens: a JSON
 * array of {@link org.vigil.contracts.LiveUpdate}s ({@code motion}, {@code status}, {@code segment}), the changes the
 * event service stored together (one, or thousands in a burst), and {@code status}
 * messages about the feed itself ({@code live}: {@code degraded} or {@code restored}, the latter followed by a fresh
 * snapshot). The server pings every 20 s; a client that cannot keep up is closed with code 4008.
 */
@WebSocket(path = "/ws")
public class LiveSocket {

    @Inject
    SecurityIdentity identity;

    @Inject
    LiveClients clients;

    @OnOpen
    public Uni<Void> onOpen(WebSocketConnection connection) {
        TokenService.Caller caller = identity.getAttribute(SessionAuthMechanism.CALLER);
        String hello = new String(Json.write(Map.of("v", 1, "type", "hello", "user", caller.username(), "role",
                caller.role(), "sites", caller.sites())), java.nio.charset.StandardCharsets.UTF_8);
        // hello first, then the snapshot and the changes: registering after the hello keeps that order
        return connection.sendText(hello).invoke(() -> clients.add(connection, caller.sites(), caller.token()));
    }

    @OnClose
    public void onClose(WebSocketConnection connection) {
        clients.remove(connection);
    }
}
