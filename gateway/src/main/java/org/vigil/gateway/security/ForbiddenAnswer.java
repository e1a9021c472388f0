package org.vigil.gateway.security;

import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A 403 from the path permissions (admin-only paths, export writes) says why, as the backends' 403s do, instead of
 * an empty body: {@code {"error":"forbidden","message":"your role (viewer) may not POST /api/exports"}}.
 */
@ApplicationScoped
public class ForbiddenAnswer {

    void register(@Observes Router router) {
        router.route().order(-1).failureHandler(this::answer);
    }

    void answer(RoutingContext ctx) {
        if (!(ctx.failure() instanceof ForbiddenException) || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        String role = "none";
        if (ctx.user() instanceof QuarkusHttpUser u) {
            SecurityIdentity id = u.getSecurityIdentity();
            role = id.getRoles().stream().sorted().findFirst().orElse("none");
        }
        RequestGuard.refuse(ctx, "forbidden",
                "your role (" + role + ") may not " + ctx.request().method() + " " + ctx.request().path());
    }
}
