package org.vigil.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sign-in's body deadline on a real Vert.x server: it holds a client that dribbles its body, never one whose
 * body arrived and whose password check is slow (FrontDoorIT's flood on a loaded machine got 408s for those).
 */
class RequestGuardTest {

    private static final long DEADLINE_MS = 300;
    private static Vertx vertx;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        RequestGuard guard = new RequestGuard(Optional.empty(), DEADLINE_MS);
        Router router = Router.router(vertx);
        router.route().handler(guard::guard);
        // the sign-in's answer comes well after the deadline, as a queued password check's would
        router.post("/api/auth/login").handler(BodyHandler.create()).handler(ctx -> vertx.setTimer(DEADLINE_MS * 4,
                t -> ctx.response().setStatusCode(401).end("{\"got\":" + ctx.body().length() + "}")));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        port = server.actualPort();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Sends {@code request} (which may stop short of its Content-Length) and reads the answer to its end. */
    private static String exchange(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aWholeSignInWaitingLongerThanTheDeadlineGetsItsRealAnswer() throws Exception {
        String body = "{\"username\":\"a\",\"password\":\"b\"}";
        String answer = exchange("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Connection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        assertThat(answer).startsWith("HTTP/1.1 401").endsWith("{\"got\":" + body.length() + "}");
    }

    @Test
    void aSignInWhoseBodyNeverComesIsAnswered408AndClosed() throws Exception {
        long start = System.nanoTime();
        String answer = exchange("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 30\r\n\r\n{\"user");
        assertThat(answer).startsWith("HTTP/1.1 408").contains("the sign-in did not arrive in time");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(DEADLINE_MS);
    }
}
