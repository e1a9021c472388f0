package org.vigil.gateway.ws;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import jakarta.inject.Inject;
import org.vigil.contracts.Json;
import org.vigil.gateway.security.BackendTokens;
import org.vigil.gateway.security.SessionAuthMechanism;
import org.vigil.gateway.security.TokenService;
import org.vigil.gateway.service.ApiTokenService;

/**
 * {@code /ws}: live updates for the signed-in user's sites. The upgrade itself requires a session (path permission),
 * so an anonymous client never gets a socket. Messages, all JSON text: {@code hello} (who the server thinks you are),
 * {@code snapshot} (newest events and every camera status you may see), then every change as it happens: a JSON
 * array of {@link org.vigil.contracts.LiveUpdate}s ({@code motion}, {@code status}, {@code segment}), the changes the
 * event service stored together (one, or thousands in a burst), and {@code status}
 * messages about the feed itself ({@code live}: {@code degraded} or {@code restored}, the latter followed by a fresh
 * snapshot). Live video comes as binary messages, {@code [u16 header length][JSON header][JPEG]}, for the cameras
 * the client asked for with {@code {"type":"watch","cameras":[...]}}. The server pings every 20 s. Close codes:
 * 4008 the client cannot keep up with the changes (video frames are skipped instead); 4401 its session (or bearer
 * token) expired; 4403 its session was ended (signed out, password reset, account disabled, role or sites changed)
 * or its API token revoked; 4408 it answered no ping for a while (a half-open connection). After 4401 and 4403
 * the UI signs in again instead of reconnecting.
 */
@WebSocket(path = "/ws")
public class LiveSocket {

    @Inject
    SecurityIdentity identity;

    @Inject
    LiveClients clients;

    @Inject
    BackendTokens backendTokens;

    @Inject
    ApiTokenService apiTokens;

    @OnOpen
    public Uni<Void> onOpen(WebSocketConnection connection) {
        TokenService.Caller caller = identity.getAttribute(SessionAuthMechanism.CALLER);
        String hello = new String(Json.write(Map.of("v", 1, "type", "hello", "user", caller.username(), "role",
                caller.role(), "sites", caller.sites())), java.nio.charset.StandardCharsets.UTF_8);
        // hello first, then the snapshot and the changes: registering after the hello keeps that order
        return connection.sendText(hello).invoke(() -> clients.add(connection, owner(caller)));
    }

    /** What the socket's life depends on: the session, the API token, or the bearer token's expiry. */
    private LiveClients.Owner owner(TokenService.Caller caller) {
        String apiTokenId = identity.getAttribute(SessionAuthMechanism.API_TOKEN_ID);
        if (caller.sessionId() != null) {
            return new LiveClients.Owner(caller.sites(), caller.sessionId(), null, caller.expiresAt(),
                    () -> backendTokens.forSession(caller).token());
        }
        if (apiTokenId != null) {
            return new LiveClients.Owner(caller.sites(), null, apiTokenId, null,
                    () -> apiTokens.backendToken(apiTokenId).orElse(caller.token()));
        }
        return new LiveClients.Owner(caller.sites(), null, null, caller.expiresAt(), caller::token);
    }

    /** Browsers answer the server's pings by themselves: each pong shows the socket is not half-open. */
    @OnPongMessage
    public void onPong(Buffer data, WebSocketConnection connection) {
        clients.heard(connection);
    }

    /**
     * Requests from the client. {@code {"type":"watch","cameras":[...],"native":[...],"sub":[...]}} chooses the cameras
     * whose live video it gets (at most {@value #MAX_WATCH}; cameras of other sites simply never send it anything), of
     * those the ones it shows natively (fMP4, design 0019; the others get previews), and of those the ones it shows
     * from their sub-stream (the grid; a camera without one sends its main stream). It is answered
     * {@code {"type":"watching","refused":[{camera, reason}]}}: a camera unknown here or of a site the client may not
     * see is refused (which of the two is not said) and nothing of it is kept.
     */
    @OnTextMessage
    public void onMessage(String message, WebSocketConnection connection) {
        clients.heard(connection);
        try {
            JsonNode m = Json.mapper().readTree(message);
            if (m != null && "watch".equals(m.path("type").asText()) && m.path("cameras").isArray()) {
                Set<String> cameras = new HashSet<>();
                m.path("cameras").forEach(c -> {
                    if (c.isTextual() && cameras.size() < MAX_WATCH) {
                        cameras.add(c.asText());
                    }
                });
                Set<String> natively = new HashSet<>();
                m.path("native").forEach(c -> {
                    if (c.isTextual() && cameras.contains(c.asText())) {
                        natively.add(c.asText());
                    }
                });
                Set<String> subs = new HashSet<>();
                m.path("sub").forEach(c -> {
                    if (c.isTextual() && natively.contains(c.asText())) {
                        subs.add(c.asText());
                    }
                });
                Set<String> refused = clients.watch(connection, cameras, natively, subs);
                Map<String, Object> answer = new java.util.LinkedHashMap<>();
                answer.put("v", 1);
                answer.put("type", "watching");
                answer.put("refused", refused.stream().map(id -> Map.of("camera", id, "reason",
                        "no camera of that id on your sites")).toList());
                clients.answer(connection, new String(Json.write(answer), java.nio.charset.StandardCharsets.UTF_8));
            }
        } catch (java.io.IOException e) {
            // not JSON: nothing to do; the socket stays open
        }
    }

    static final int MAX_WATCH = 64;

    @OnClose
    public void onClose(WebSocketConnection connection) {
        clients.remove(connection);
    }
}
