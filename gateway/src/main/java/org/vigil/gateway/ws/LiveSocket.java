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
import jakarta.inject.Inject;

/**
 * {@code /ws}: live updates for the signed-in user's sites. The upgrade itself requires a session (path
 * permission), so an anonymous client never gets a socket. The first message says who the server thinks you are;
 * then every {@link org.vigil.contracts.LiveUpdate} for your sites follows as it happens.
 */
@WebSocket(path = "/ws")
public class LiveSocket {

    @Inject
    SecurityIdentity identity;

    @Inject
    LiveClients clients;

    @OnOpen
    public String onOpen(WebSocketConnection connection) {
        TokenService.Caller caller = identity.getAttribute(SessionAuthMechanism.CALLER);
        clients.add(connection, caller.sites());
        return new String(Json.write(Map.of("v", 1, "type", "hello", "user", caller.username(), "role", caller.role(),
                "sites", caller.sites())), java.nio.charset.StandardCharsets.UTF_8);
    }

    @OnClose
    public void onClose(WebSocketConnection connection) {
        clients.remove(connection);
    }
}
