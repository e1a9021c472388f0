package org.vigil.gateway.cameras;

import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.contracts.Access;
import org.vigil.contracts.AuditEntry;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.gateway.config.GatewayConfig;
import org.vigil.gateway.messaging.CameraRegistry;
import org.vigil.gateway.proxy.SiteDirectory;
import org.vigil.gateway.security.TokenService;
import org.vigil.gateway.service.RetentionPreviewClient;
import org.vigil.runtime.audit.AuditPublisher;
import org.vigil.runtime.secrets.CameraKey;

/**
 * The camera registry's changes through the API (design 0018 §1): each checked whole before anything is written, by
 * an admin of the camera's site (of both sites for a move), and audited with the camera before and after, its
 * password left out. A write is answered once the broker has it.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // a camera key that cannot be read stops the gateway at start, saying why
public class CameraAdmin {

    /** Why a change was refused; nothing of it was applied. */
    public static final class Refused extends Exception {
        public final int status;
        public final String code;
        public final transient List<?> problems;
        /** More of the answer's fields (a confirmation's preview and code). */
        public final transient Map<String, Object> more;

        Refused(int status, String code, String message, List<?> problems) {
            this(status, code, message, problems, Map.of());
        }

        Refused(int status, String code, String message, List<?> problems, Map<String, Object> more) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
            this.problems = problems;
            this.more = more;
        }
    }

    /** How many of an import's registry writes are in flight at once. */
    static final int IMPORT_WINDOW = 100;
    /** How long one registry write may wait for Kafka's acknowledgement. */
    private static final long WRITE_TIMEOUT_S = 30;

    /** One camera an import writes: what was there ({@code null} for a new one) and what will be. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock everything =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** Locks by the hash of a camera id: bounded however many ids requests name, and one id always the same lock. */
    private final java.util.concurrent.locks.ReentrantLock[] perCamera = new java.util.concurrent.locks.ReentrantLock[64];

    {
        java.util.Arrays.setAll(perCamera, i -> new java.util.concurrent.locks.ReentrantLock());
    }

    private record Change(CameraConfig before, CameraConfig after) {
    }

    /** What an import did: the cameras it created and those it changed. */
    public record Imported(int created, int updated) {
    }

    private final CameraRegistry registry;
    private final AuditPublisher audit;
    private final SiteDirectory directory;
    private final Set<String> configuredSites;
    private final InstantSource clock;
    private final Optional<CameraKey> key;
    private final RetentionPreviewClient retention;

    public CameraAdmin(CameraRegistry registry, AuditPublisher audit, SiteDirectory directory, InstantSource clock,
            GatewayConfig config, RetentionPreviewClient retention) {
        this.retention = retention;
        String sites = config.sites();
        this.key = config.cameraKeyFile().map(f -> config.cameraKeyCreate() ? CameraKey.createOrLoad(f)
                : CameraKey.load(f));
        this.registry = registry;
        this.audit = audit;
        this.directory = directory;
        this.clock = clock;
        this.configuredSites = Set.copyOf(Arrays.stream(sites.split(",")).map(String::strip)
                .filter(s -> !s.isEmpty()).toList());
    }

    /**
     * The sites a camera may be on: those configured ({@code VIGIL_SITES}), those of the site directory
     * ({@code VIGIL_SITE_RECORDERS}), those that already have cameras, and those the caller was granted by name.
     */
    public Set<String> knownSites(TokenService.Caller caller) {
        Set<String> out = new TreeSet<>(configuredSites);
        out.addAll(directory.recorders().keySet());
        registry.all().forEach(c -> out.add(c.site()));
        out.addAll(caller.sites());
        out.remove(Access.ALL_SITES);
        return out;
    }

    /** The cameras on the caller's sites matching {@code q} (in id or name, any case) and {@code site}, by id. */
    public List<CameraConfig> find(TokenService.Caller caller, String q, String site) {
        String needle = q == null ? "" : q.strip().toLowerCase(Locale.ROOT);
        return registry.all().stream().filter(c -> Access.siteAllowed(caller.sites(), c.site()))
                .filter(c -> site == null || site.isEmpty() || site.equals(c.site()))
                .filter(c -> needle.isEmpty() || c.id().contains(needle)
                        || c.name().toLowerCase(Locale.ROOT).contains(needle))
                .sorted(Comparator.comparing(CameraConfig::id)).toList();
    }

    /** A camera on the caller's sites. */
    public Optional<CameraConfig> get(TokenService.Caller caller, String id) {
        return registry.get(id).filter(c -> Access.siteAllowed(caller.sites(), c.site()));
    }

    /** Adds a camera: refused with 403 off the caller's sites, 400 naming each bad field, 409 for a taken id. */
    private CameraConfig createLocked(TokenService.Caller caller, CameraInput in, String confirm) throws Refused {
        mayAdminister(caller, in.site(), "camera.create", in.id());
        List<CameraRules.Problem> problems = new ArrayList<>();
        CameraConfig next = withPassword(in, null, in.toConfig(clock.instant(), caller.username()), problems);
        checked(caller, next, problems);
        if (registry.get(in.id()).isPresent()) {
            throw new Refused(409, "duplicate_id", "a camera with id '" + in.id() + "' exists already",
                    List.of(new CameraRules.Problem("id", "is taken")));
        }
        store(caller, "camera.create", null, next, retentionConfirmed(caller, List.of(new Change(null, next)),
                confirm));
        return next;
    }

    /**
     * Replaces a camera's settings with {@code in} (absent fields take their defaults; the id cannot change). A move
     * to another site needs an admin of both.
     */
    private CameraConfig updateLocked(TokenService.Caller caller, String id, CameraInput in, String confirm)
            throws Refused {
        CameraConfig current = existing(caller, id);
        if (in.id() != null && !in.id().equals(id)) {
            throw new Refused(400, "invalid", "the id of a camera cannot change", List.of(new CameraRules.Problem("id",
                    "must be '" + id + "', the camera's id")));
        }
        CameraInput same = withId(in, id);
        mayAdminister(caller, same.site(), "camera.update", id);
        List<CameraRules.Problem> problems = new ArrayList<>();
        CameraConfig next = withPassword(same, current, same.toConfig(clock.instant(), caller.username()), problems);
        checked(caller, next, problems);
        store(caller, "camera.update", current, next, retentionConfirmed(caller, List.of(new Change(current, next)),
                confirm));
        return next;
    }

    /** Starts or stops capturing a camera; its settings and footage stay. */
    private CameraConfig enableLocked(TokenService.Caller caller, String id, boolean enabled) throws Refused {
        CameraConfig c = existing(caller, id);
        CameraConfig next = new CameraConfig(CameraConfig.VERSION, c.id(), c.name(), c.site(), c.url(),
                c.subStreamUrl(), c.recording(), c.sensitivity(), c.zones(), c.masks(), clock.instant(),
                caller.username(), enabled, c.username(), c.passwordSealed(), c.minObjectArea(), c.labels(),
                c.retentionDays());
        store(caller, enabled ? "camera.enable" : "camera.disable", c, next);
        return next;
    }

    /**
     * The camera a probe opens (design 0018 §5): checked as a camera to be stored would be, its password sealed as it
     * would be (an absent one: the stored camera's, when the caller may see it). Nothing is stored; the request is
     * audited, since it makes capture connect to the address given.
     */
    public CameraConfig probeTarget(TokenService.Caller caller, CameraInput in) throws Refused {
        mayAdminister(caller, in.site(), "camera.probe", in.id());
        CameraInput named = in.name() == null || in.name().isBlank() ? new CameraInput(in.id(), in.id(), in.site(),
                in.url(), in.subStreamUrl(), in.username(), in.password(), in.enabled(), in.recording(),
                in.sensitivity(), in.minObjectArea(), in.zones(), in.masks(), in.labels(), in.retentionDays()) : in;
        CameraConfig current = in.id() == null ? null : get(caller, in.id()).orElse(null);
        List<CameraRules.Problem> problems = new ArrayList<>();
        CameraConfig target = withPassword(named, current, named.toConfig(clock.instant(), caller.username()),
                problems);
        checked(caller, target, problems);
        audit.record(caller.username(), "camera.probe", AuditEntry.CAMERA + target.id(), target.site(), "success",
                Map.of("url", target.maskedUrl()));
        return target;
    }

    /** Switches recording on or off (operators too, on their sites). */
    private CameraConfig recordLocked(TokenService.Caller caller, String id, boolean recording) throws Refused {
        CameraConfig c = registry.get(id).orElse(null);
        if (c == null || !Access.siteAllowed(caller.sites(), c.site())) {
            if (c != null) {
                audit.record(caller.username(), "camera.recording.set", AuditEntry.CAMERA + id, c.site(), "denied",
                        Map.of("recording", Boolean.toString(recording)));
            }
            throw notFound(id);
        }
        CameraConfig next = new CameraConfig(CameraConfig.VERSION, c.id(), c.name(), c.site(), c.url(),
                c.subStreamUrl(), recording, c.sensitivity(), c.zones(), c.masks(), clock.instant(), caller.username(),
                c.enabled(), c.username(), c.passwordSealed(), c.minObjectArea(), c.labels(), c.retentionDays());
        store(caller, "camera.recording.set", c, next, Map.of("recording", Boolean.toString(recording), "was",
                Boolean.toString(c.recording())));
        return next;
    }

    /** Removes a camera from the registry: capture stops it; its footage stays until retention (and any hold) says. */
    private void deleteLocked(TokenService.Caller caller, String id) throws Refused {
        CameraConfig c = existing(caller, id);
        try {
            registry.delete(id).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            audit.record(caller.username(), "camera.delete", AuditEntry.CAMERA + id, c.site(), "failure",
                    Map.of("before", view(c)));
            throw unavailable();
        }
        audit.record(caller.username(), "camera.delete", AuditEntry.CAMERA + id, c.site(), "success",
                Map.of("before", view(c)));
    }

    /**
     * Creates or replaces every camera of a CSV file, or none: the caller must be an admin of every row's site (and of
     * the site of each camera a row replaces), and every row must pass the rules; otherwise the answer lists each
     * failing row and column and nothing is written.
     */
    private Imported importLocked(TokenService.Caller caller, String text, String confirm) throws Refused {
        CameraCsv.Parsed parsed = CameraCsv.read(text);
        if (!parsed.problems().isEmpty()) {
            throw new Refused(400, "invalid_csv", parsed.problems().size() + " problem(s) in the file; nothing was "
                    + "imported", parsed.problems());
        }
        List<CameraCsv.CellProblem> forbidden = new ArrayList<>();
        for (CameraCsv.Row r : parsed.rows()) {
            Optional<CameraConfig> current = r.input().id() == null ? Optional.empty() : registry.get(r.input().id());
            for (String site : Stream.concat(Stream.ofNullable(r.input().site()), current.stream().map(
                    CameraConfig::site)).distinct().toList()) {
                if (!Access.siteAllowed(caller.sites(), site)) {
                    forbidden.add(new CameraCsv.CellProblem(r.row(), current.map(c -> c.site().equals(site))
                            .orElse(false) ? "id" : "site", "you are not an admin of site '" + site + "'"));
                }
            }
        }
        if (!forbidden.isEmpty()) {
            audit.record(caller.username(), "camera.import", AuditEntry.CAMERA + "*", null, "denied",
                    Map.of("rows", Integer.toString(parsed.rows().size()), "forbiddenRows",
                            Integer.toString(forbidden.size())));
            throw new Refused(403, "forbidden", "the file has cameras on sites you do not administer; nothing was "
                    + "imported", forbidden);
        }
        Set<String> sites = knownSites(caller);
        List<CameraCsv.CellProblem> problems = new ArrayList<>();
        List<Change> changes = new ArrayList<>();
        for (CameraCsv.Row r : parsed.rows()) {
            Optional<CameraConfig> current = r.input().id() == null ? Optional.empty() : registry.get(r.input().id());
            List<CameraRules.Problem> rowProblems = new ArrayList<>();
            CameraConfig next = withPassword(r.input(), current.orElse(null), r.input().toConfig(clock.instant(),
                    caller.username()), rowProblems);
            rowProblems.addAll(CameraRules.check(next, sites));
            for (CameraRules.Problem p : rowProblems) {
                problems.add(new CameraCsv.CellProblem(r.row(), CameraCsv.column(p.field()), p.field() + " "
                        + p.message()));
            }
            changes.add(new Change(current.orElse(null), next));
        }
        if (!problems.isEmpty()) {
            throw new Refused(400, "invalid_csv", problems.size() + " problem(s) in the file; nothing was imported",
                    problems);
        }
        Map<String, String> confirmed = retentionConfirmed(caller, changes, confirm);
        // written IMPORT_WINDOW at a time, each window's writes in flight together (500 writes one after another, each
        // waiting for its acknowledgement, took over 30 s on a loaded machine); Kafka keeps their order
        int created = 0;
        int updated = 0;
        for (int from = 0; from < changes.size(); from += IMPORT_WINDOW) {
            List<Change> window = changes.subList(from, Math.min(changes.size(), from + IMPORT_WINDOW));
            List<java.util.concurrent.CompletableFuture<Void>> writes = window.stream()
                    .map(c -> registry.put(c.after()).toCompletableFuture()).toList();
            boolean failed = false;
            for (int i = 0; i < window.size(); i++) {
                Change c = window.get(i);
                String action = c.before() == null ? "camera.create" : "camera.update";
                Map<String, String> extra = shortens(c) ? confirmed : Map.of();
                if (!stored(writes.get(i))) {
                    audit(caller, action, c.before(), c.after(), extra, "failure");
                    failed = true;
                    continue;
                }
                audit(caller, action, c.before(), c.after(), extra, "success");
                if (c.before() == null) {
                    created++;
                } else {
                    updated++;
                }
            }
            if (failed) {
                // the broker stopped taking writes part-way: say exactly how far the import got; a retry of the same
                // file completes it (a row that is stored already is stored again, unchanged)
                throw new Refused(503, "unavailable", "the registry stopped taking changes: " + (created + updated)
                        + " of " + changes.size() + " cameras were stored; import the same file again to complete it",
                        List.of());
            }
        }
        return new Imported(created, updated);
    }

    /** The cameras on the caller's sites as CSV. */
    public String exportCsv(TokenService.Caller caller) {
        return CameraCsv.write(find(caller, null, null).stream().map(CameraDetails::of).toList());
    }

    // ---- changes: one camera at a time per id (others proceed), an import alone

    /** Adds a camera: refused with 403 off the caller's sites, 400 naming each bad field, 409 for a taken id. */
    public CameraConfig create(TokenService.Caller caller, CameraInput in, String confirm) throws Refused {
        return locked(in.id(), () -> createLocked(caller, in, confirm));
    }

    /** Replaces a camera's settings (see {@link #updateLocked}). */
    public CameraConfig update(TokenService.Caller caller, String id, CameraInput in, String confirm)
            throws Refused {
        return locked(id, () -> updateLocked(caller, id, in, confirm));
    }

    /** Starts or stops capturing a camera; its settings and footage stay. */
    public CameraConfig enable(TokenService.Caller caller, String id, boolean enabled) throws Refused {
        return locked(id, () -> enableLocked(caller, id, enabled));
    }

    /** Switches recording on or off (operators too, on their sites). */
    public CameraConfig record(TokenService.Caller caller, String id, boolean recording) throws Refused {
        return locked(id, () -> recordLocked(caller, id, recording));
    }

    /** Removes a camera from the registry: capture stops it; its footage stays until retention (and any hold) says. */
    public void delete(TokenService.Caller caller, String id) throws Refused {
        locked(id, () -> {
            deleteLocked(caller, id);
            return null;
        });
    }

    /** Imports a CSV file whole or not at all (see {@link #importLocked}); no other change runs meanwhile. */
    public Imported importCsv(TokenService.Caller caller, String text, String confirm) throws Refused {
        everything.writeLock().lock();
        try {
            return importLocked(caller, text, confirm);
        } finally {
            everything.writeLock().unlock();
        }
    }

    private interface Step<T> {
        T run() throws Refused;
    }

    /**
     * Runs a change of one camera: changes of the same id one after another (a read, its checks and its write are
     * one step: a second create of an id sees the first), of other ids side by side (each waits for the broker's
     * acknowledgement: 50 adds one after another took 3.3 s, bench/run camera-ops), and none during an import.
     */
    private <T> T locked(String id, Step<T> change) throws Refused {
        everything.readLock().lock();
        java.util.concurrent.locks.ReentrantLock one = perCamera[Math.floorMod(String.valueOf(id).hashCode(),
                perCamera.length)];
        one.lock();
        try {
            return change.run();
        } finally {
            one.unlock();
            everything.readLock().unlock();
        }
    }

    // ---- shared steps

    private CameraConfig existing(TokenService.Caller caller, String id) throws Refused {
        return get(caller, id).orElseThrow(() -> notFound(id)); // a camera of another site is not disclosed
    }

    /** Authorisation before validation: an admin of the site the body names (a missing site is the rules' to name). */
    private void mayAdminister(TokenService.Caller caller, String site, String action, String id) throws Refused {
        if (site != null && !Access.siteAllowed(caller.sites(), site)) {
            audit.record(caller.username(), action, AuditEntry.CAMERA + (id == null ? "?" : id), site, "denied",
                    Map.of());
            throw new Refused(403, "forbidden", "you are not an admin of site '" + site + "'",
                    List.of(new CameraRules.Problem("site", "is not one of your sites")));
        }
    }

    private void checked(TokenService.Caller caller, CameraConfig next, List<CameraRules.Problem> earlier)
            throws Refused {
        List<CameraRules.Problem> problems = new ArrayList<>(earlier);
        problems.addAll(CameraRules.check(next, knownSites(caller)));
        if (!problems.isEmpty()) {
            throw new Refused(400, "invalid", problems.get(0).field() + " " + problems.get(0).message()
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""), problems);
        }
    }

    private void store(TokenService.Caller caller, String action, CameraConfig before, CameraConfig after)
            throws Refused {
        store(caller, action, before, after, Map.of());
    }

    private void store(TokenService.Caller caller, String action, CameraConfig before, CameraConfig after,
            Map<String, String> extra) throws Refused {
        if (!stored(registry.put(after).toCompletableFuture())) {
            audit(caller, action, before, after, extra, "failure");
            throw unavailable();
        }
        audit(caller, action, before, after, extra, "success");
    }

    /**
     * Whether a change may make retention delete footage sooner: a camera's own days shortened, dropped (its site's
     * policy may be shorter), or set where there were none (likewise), including on a new camera (a removed camera's
     * footage under the same id is still there).
     */
    static boolean shortens(Change c) {
        Integer was = c.before() == null ? null : c.before().retentionDays();
        Integer now = c.after().retentionDays();
        if (c.before() == null) {
            return now != null;
        }
        return !java.util.Objects.equals(was, now) && (was == null || now == null || now < was);
    }

    /**
     * A change that shortens what cameras keep is previewed by retention first (design 0018 §1): when it would delete
     * footage, or retention does not answer, it is answered 409 with the preview and a code, and made only when sent
     * again with that code. Returns what the audit entries add: the preview, and that it was confirmed.
     */
    private Map<String, String> retentionConfirmed(TokenService.Caller caller, List<Change> changes, String confirm)
            throws Refused {
        List<CameraConfig> shortened = changes.stream().filter(CameraAdmin::shortens).map(Change::after).toList();
        if (shortened.isEmpty()) {
            return Map.of();
        }
        Optional<RetentionPreviewClient.Preview> preview = retention.of(shortened, caller.token());
        if (preview.isPresent() && !preview.get().deletes()) {
            return preview.get().auditDetails();
        }
        String code = confirmation(shortened);
        if (!code.equals(confirm)) {
            Map<String, Object> more = new LinkedHashMap<>();
            more.put("wouldDelete", preview.orElse(null));
            more.put("confirm", code);
            String cameras = shortened.size() == 1 ? "camera " + shortened.get(0).id() : shortened.size() + " cameras";
            throw new Refused(409, "confirmation_required", preview.map(p -> "This change shortens what " + cameras
                    + " keep" + (shortened.size() == 1 ? "s" : "") + ": the next retention run would delete "
                    + p.segments() + " recordings (" + p.bytes() + " bytes, from " + p.oldest() + " to " + p.newest()
                    + "). Send it again with confirm=" + code + " to make it.")
                    .orElse("This change shortens what " + cameras + " keep" + (shortened.size() == 1 ? "s" : "")
                            + ", and retention did not answer, so what it would delete is unknown. Send it again "
                            + "with confirm=" + code + " to make it anyway."), List.of(), more);
        }
        Map<String, String> details = new LinkedHashMap<>(preview.map(RetentionPreviewClient.Preview::auditDetails)
                .orElse(Map.of("wouldDelete", "unknown: retention did not answer")));
        details.put("confirmed", "true");
        return details;
    }

    /** The code that confirms one set of cameras' days, whatever the preview's figures do meanwhile. */
    static String confirmation(List<CameraConfig> cameras) {
        String text = cameras.stream().map(c -> c.id() + "=" + c.retentionDays()).sorted()
                .collect(java.util.stream.Collectors.joining(","));
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether a registry write was acknowledged within {@value #WRITE_TIMEOUT_S} s. */
    private static boolean stored(java.util.concurrent.CompletableFuture<Void> write) {
        try {
            write.get(WRITE_TIMEOUT_S, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private void audit(TokenService.Caller caller, String action, CameraConfig before, CameraConfig after,
            Map<String, String> extra, String outcome) {
        Map<String, String> details = new LinkedHashMap<>(extra);
        if (before != null) {
            details.put("before", view(before));
        }
        details.put("after", view(after));
        audit.record(caller.username(), action, AuditEntry.CAMERA + after.id(), after.site(), outcome, details);
    }

    /** A camera as the audit log keeps it: the admin's view, so never a password. */
    private static String view(CameraConfig c) {
        return new String(Json.write(CameraDetails.of(c)), StandardCharsets.UTF_8);
    }

    /**
     * {@code next} with its password sealed: the one given, sealed for the camera's id; none, where an empty one was
     * given; the camera's own, where none was (the API never returns a password, so a replacement cannot carry it).
     */
    private CameraConfig withPassword(CameraInput in, CameraConfig current, CameraConfig next,
            List<CameraRules.Problem> problems) {
        String sealed = current == null ? null : current.passwordSealed();
        String password = in.password();
        if (password != null && password.isEmpty()) {
            sealed = null;
        } else if (password != null) {
            if (password.length() > 256 || password.chars().anyMatch(Character::isISOControl)) {
                problems.add(new CameraRules.Problem("password", "must be at most 256 characters, without control "
                        + "characters"));
            } else if (key.isEmpty()) {
                problems.add(new CameraRules.Problem("password", "camera passwords need a camera key to be sealed "
                        + "with: set VIGIL_CAMERA_KEY_FILE on the gateway and on capture"));
            } else if (next.id() != null) {
                sealed = key.get().seal(next.id(), password);
            }
        }
        return new CameraConfig(next.v(), next.id(), next.name(), next.site(), next.url(), next.subStreamUrl(),
                next.recording(), next.sensitivity(), next.zones(), next.masks(), next.updatedAt(), next.updatedBy(),
                next.enabled(), next.username(), sealed, next.minObjectArea(), next.labels(), next.retentionDays());
    }

    private static CameraInput withId(CameraInput in, String id) {
        return new CameraInput(id, in.name(), in.site(), in.url(), in.subStreamUrl(), in.username(), in.password(), in.enabled(),
                in.recording(), in.sensitivity(), in.minObjectArea(), in.zones(), in.masks(), in.labels(),
                in.retentionDays());
    }

    private static Refused notFound(String id) {
        return new Refused(404, "not_found", "no camera " + id + " on your sites", List.of());
    }

    private static Refused unavailable() {
        return new Refused(503, "unavailable", "the change could not be stored; nothing was changed", List.of());
    }
}
