package org.vigil.system;

import java.util.List;
import java.util.Map;

/**
 * Every endpoint of the system with who may call it: the minimum role, and what a caller allowed by role gets for a
 * camera or site that is not theirs. {@code {cam}} and {@code {site}} are filled with the caller's own camera and site,
 * or another site's.
 *
 * @param service    which port answers: the gateway, or a backend called directly with the same bearer token (a
 *                   token as the gateway gives the backends: a browser's session token is no key to them)
 * @param minRole    the least role that may call it
 * @param allowed    the status an allowed caller gets on its own site
 * @param otherSite  the status an allowed caller gets for another site's camera or site ({@code allowed} when the
 *                   endpoint has no site)
 */
record AccessMatrix(String service, String method, String path, String body, String minRole, int allowed,
        int otherSite) {

    static final List<String> ROLES = List.of("viewer", "operator", "admin");
    static final String HOLD = "{\"cameraId\":\"{cam}\",\"from\":\"{fromIso}\",\"to\":\"{toIso}\","
            + "\"caseId\":\"MATRIX\",\"reason\":\"access matrix\"}";
    static final String EXPORT = "{\"cameras\":[\"{cam}\"],\"from\":\"{fromIso}\",\"to\":\"{toIso}\","
            + "\"reason\":\"access matrix\"}";

    static AccessMatrix of(String service, String method, String path, String body, String minRole, int allowed,
            int otherSite) {
        return new AccessMatrix(service, method, path, body, minRole, allowed, otherSite);
    }

    /** The status a caller with {@code role} should get, on its own site or another. */
    int expected(String role, boolean ownSite) {
        if (ROLES.indexOf(role) < ROLES.indexOf(minRole)) {
            return 403;
        }
        return ownSite ? allowed : otherSite;
    }

    String resolve(Map<String, String> values) {
        return fill(path, values);
    }

    String resolveBody(Map<String, String> values) {
        return body == null ? null : fill(body, values);
    }

    private static String fill(String template, Map<String, String> values) {
        String p = template;
        for (Map.Entry<String, String> e : values.entrySet()) {
            p = p.replace("{" + e.getKey() + "}", e.getValue());
        }
        return p;
    }

    /** The rows: through the gateway, and each backend directly (each must enforce the rule itself). */
    static List<AccessMatrix> rows() {
        String play = "/api/recorder/playback/{cam}.mp4?from={from}&to={to}";
        return List.of(
                of("gateway", "GET", "/api/auth/me", null, "viewer", 200, 200),
                of("gateway", "GET", "/api/cameras", null, "viewer", 200, 200),
                of("gateway", "PUT", "/api/cameras/{cam}/recording", "{\"recording\":true}", "operator", 200, 404),
                of("gateway", "GET", "/api/cameras/{cam}", null, "viewer", 200, 404),
                of("gateway", "PUT", "/api/cameras/{cam}/enabled", "{\"enabled\":true}", "admin", 200, 404),
                // a camera added disabled (nothing starts capturing it); on another site, refused before any check
                of("gateway", "POST", "/api/cameras", "{\"id\":\"matrix-{site}\",\"name\":\"Matrix\",\"site\":\"{site}\","
                        + "\"url\":\"rtsp://192.0.2.1/x\",\"enabled\":false}", "admin", 201, 403),
                of("gateway", "GET", "/api/cameras.csv", null, "admin", 200, 200),
                // a probe opens the address at the camera's site's capture instance: admins of that site only
                of("gateway", "POST", "/api/cameras/probe", "{\"id\":\"matrix-probe\",\"site\":\"{site}\","
                        + "\"url\":\"test:?size=160x96&fps=5\"}", "admin", 200, 403),
                of("gateway", "GET", "/api/system/status", null, "viewer", 200, 200),
                of("gateway", "GET", "/api/users", null, "admin", 200, 200),
                of("gateway", "PATCH", "/api/users/{user}", "{\"sites\":[\"{site}\"]}", "admin", 200, 403),
                of("gateway", "GET", "/api/sites", null, "admin", 200, 200),
                of("gateway", "GET", "/api/tokens", null, "admin", 200, 200),
                of("gateway", "POST", "/api/users/{user}/sessions/end", null, "admin", 200, 200),
                of("gateway", "POST", "/api/tokens", "{\"name\":\"matrix\",\"role\":\"viewer\",\"sites\":[\"{site}\"]}",
                        "admin", 201, 403),
                // passed through the gateway to the backends
                of("gateway", "GET", "/api/events?site={site}", null, "viewer", 200, 403),
                of("gateway", "GET", "/api/events/{event}/snapshot", null, "viewer", 200, 404),
                of("gateway", "GET", "/api/segments?camera={cam}", null, "viewer", 200, 200),
                of("gateway", "GET", "/api/segments/spans?camera={cam}&from={from}&to={to}", null, "viewer", 200, 200),
                // review: anyone marks for themselves, operators for the team; another site's event is not found
                of("gateway", "POST", "/api/events/reviews", "{\"events\":[\"{event}\"],\"reviewed\":true}", "viewer",
                        200, 404),
                of("gateway", "POST", "/api/events/reviews", "{\"events\":[\"{event}\"],\"reviewed\":true,"
                        + "\"team\":true}", "operator", 200, 404),
                of("gateway", "GET", "/api/bookmarks?camera={cam}", null, "viewer", 200, 200),
                of("gateway", "GET", "/api/layouts", null, "viewer", 200, 200),
                of("gateway", "POST", "/api/bookmarks", "{\"camera\":\"{cam}\",\"at\":\"{fromIso}\",\"note\":\"matrix\"}",
                        "operator", 201, 404),
                of("gateway", "GET", play, null, "viewer", 200, 403),
                of("gateway", "GET", play + "&download=1", null, "operator", 200, 403),
                of("gateway", "GET", "/api/recorder/storage/summary", null, "viewer", 200, 200),
                of("gateway", "GET", "/api/recorder/storage", null, "admin", 403, 403),
                of("gateway", "GET", "/api/recorder/cameras", null, "admin", 200, 200),
                of("gateway", "GET", "/api/exports/access", null, "viewer", 200, 200),
                of("gateway", "POST", "/api/exports", EXPORT, "operator", 202, 404),
                of("gateway", "GET", "/api/exports", null, "operator", 200, 200),
                of("gateway", "GET", "/api/exports/keys", null, "viewer", 200, 200),
                of("gateway", "GET", "/api/exports/events.csv?camera={cam}&from={from}&to={to}", null, "operator", 200,
                        404),
                of("gateway", "GET", "/api/retention/policy", null, "admin", 403, 403),
                of("gateway", "GET", "/api/retention/holds", null, "operator", 200, 200),
                of("gateway", "POST", "/api/retention/holds", HOLD, "operator", 201, 404),
                of("gateway", "GET", "/api/retention/dry-run", null, "admin", 403, 403),
                of("gateway", "GET", "/api/retention/status", null, "viewer", 200, 200),
                // settings and runs that act on every site: the matrix's admin holds one site, so is refused too
                of("gateway", "PUT", "/api/recorder/storage", "{\"recordingsDir\":\"/tmp\",\"minFreeBytes\":1}", "admin",
                        403, 403),
                of("gateway", "POST", "/api/retention/run", null, "admin", 403, 403),
                of("gateway", "GET", "/api/events/retention/dry-run", null, "admin", 403, 403),
                of("gateway", "POST", "/api/events/retention/run", null, "admin", 403, 403),
                of("retention", "POST", "/api/retention/dry-run/storage",
                        "{\"recordingsDir\":\"/tmp\",\"minFreeBytes\":1}", "admin", 403, 403),
                of("retention", "GET", "/api/retention/status", null, "viewer", 200, 200),
                of("retention", "POST", "/api/retention/holds", HOLD, "operator", 201, 404),
                of("retention", "GET", "/api/retention/dry-run", null, "admin", 403, 403),
                // the backends on their own, with the same token
                of("capture", "GET", "/api/capture/cameras", null, "viewer", 200, 200),
                of("capture", "POST", "/api/capture/probe", "{\"v\":1,\"id\":\"matrix-probe\",\"name\":\"m\","
                        + "\"site\":\"{site}\",\"url\":\"test:?size=160x96&fps=5\",\"recording\":true,"
                        + "\"sensitivity\":0.5}", "admin", 200, 403),
                of("recorder", "GET", play, null, "viewer", 200, 403),
                of("recorder", "GET", play + "&download=1", null, "operator", 200, 403),
                of("recorder", "GET", "/api/recorder/storage/summary", null, "viewer", 200, 200),
                of("recorder", "GET", "/api/recorder/storage", null, "admin", 403, 403),
                of("recorder", "GET", "/api/recorder/cameras", null, "admin", 200, 200),
                of("events", "GET", "/api/events?site={site}", null, "viewer", 200, 403),
                of("events", "GET", "/api/events/{event}", null, "viewer", 200, 404),
                of("events", "GET", "/api/events/{event}/snapshot", null, "viewer", 200, 404),
                of("events", "GET", "/api/segments?camera={cam}", null, "viewer", 200, 200),
                of("events", "GET", "/api/cameras/status", null, "viewer", 200, 200),
                of("events", "POST", "/api/events/retention/run", null, "admin", 403, 403),
                of("export", "GET", "/api/exports/access", null, "viewer", 200, 200),
                of("export", "POST", "/api/exports", EXPORT, "operator", 202, 404),
                of("export", "GET", "/api/exports/events.json?camera={cam}&from={from}&to={to}", null, "operator", 200,
                        404),
                of("events", "GET", "/api/audit/verify", null, "admin", 200, 200),
                of("retention", "GET", "/api/retention/policy", null, "admin", 403, 403));
    }
}
