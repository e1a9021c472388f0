package org.vigil.export.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.vigil.contracts.Json;
import org.vigil.export.Evidence;
import org.vigil.export.config.ExportConfig;
import org.vigil.runtime.media.RecordingLayout;
import org.vigil.runtime.sites.SiteRecorders;

/**
 * The footage of remote sites (design 0017 §3): a site listed in {@code VIGIL_SITE_RECORDERS} keeps its recordings on
 * its own recorder, which hands a segment's bytes to an export that holds a footage grant
 * ({@code GET /api/recorder/segments/{camera}/{file}}). Each segment is fetched into the job's own folder and checked
 * against the SHA-256 its recorder announced when it closed it, before anything of it goes into a package: a segment
 * that changed, or was cut short on the way, fails the export with the reason.
 */
@ApplicationScoped
public class RemoteFootage {

    /** Why a remote segment could not be had; the message is the job's error, for the operator. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private static final Duration CONNECT = Duration.ofSeconds(5);
    /** How long a fetch may go without a byte before the site counts as unreachable. */
    private static final Duration SILENCE = Duration.ofSeconds(30);

    private final Map<String, URI> recorders;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT).build();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "remote-footage-watchdog");
        t.setDaemon(true);
        return t;
    });

    @Inject
    public RemoteFootage(ExportConfig config) {
        this(SiteRecorders.parse(config.siteRecorders().orElse("")));
    }

    RemoteFootage(Map<String, URI> recorders) {
        this.recorders = recorders;
    }

    /** Whether {@code site}'s footage lies at its own recorder rather than on this service's recordings volume. */
    public boolean remote(String site) {
        return site != null && recorders.containsKey(site);
    }

    /**
     * Fetches {@code s} from its site's recorder into {@code dir} with {@code grant}, reporting each chunk's size.
     *
     * @return the local copy, whose SHA-256 is the one the index holds
     */
    public Path fetch(Evidence.Segment s, String grant, Path dir, LongConsumer progress) throws IOException, Refused {
        URI base = recorders.get(s.site());
        String file = Path.of(s.path()).getFileName().toString();
        // the name comes from a mirrored segment announcement: only a segment file of this camera is asked for or
        // written, never a path
        if (RecordingLayout.parse(file).filter(n -> n.camera().equals(s.cameraId())).isEmpty()) {
            throw new Refused("the index names no segment file of camera " + s.cameraId() + " for " + s.segmentId()
                    + "; nothing was exported");
        }
        if (grant == null) {
            throw new Refused("the recordings of site " + s.site() + " are at that site, and this export carries no "
                    + "footage grant: ask for it through central's gateway");
        }
        URI uri = base.resolve("/api/recorder/segments/" + enc(s.cameraId()) + "/" + enc(file) + "?site="
                + enc(s.site()));
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(SILENCE).header("Authorization", "Bearer " + grant)
                .GET().build();
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new Refused("site " + s.site() + "'s recorder cannot be reached (" + base + "): " + reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + file);
        }
        Path local = dir.resolve(file);
        MessageDigest sha = sha256();
        long[] last = {System.nanoTime()};
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200) {
                String body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
                throw new Refused(switch (resp.statusCode()) {
                    case 401 -> "site " + s.site() + "'s recorder refused the footage grant (it lasts 12 h from the "
                            + "request, and only central's gateway makes them): ask for the export again";
                    case 403 -> "site " + s.site() + "'s recorder refused: " + message(body);
                    case 404 -> "the recording " + s.path() + " is indexed but missing at site " + s.site();
                    default -> "site " + s.site() + "'s recorder answered " + resp.statusCode() + ": " + message(body);
                });
            }
            // a fetch that stalls is cut off: closing the body ends the exchange, and the read below fails
            ScheduledFuture<?> guard = watchdog.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - last[0] > SILENCE.toNanos()) {
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // closing is all that is asked
                    }
                }
            }, 1, 1, TimeUnit.SECONDS);
            try (OutputStream out = Files.newOutputStream(local, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    last[0] = System.nanoTime();
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                    progress.accept(n);
                }
            } catch (IOException e) {
                Files.deleteIfExists(local);
                throw new Refused("fetching " + file + " from site " + s.site() + " broke off: " + reason(e));
            } finally {
                guard.cancel(false);
            }
        }
        String hash = HexFormat.of().formatHex(sha.digest());
        if (s.sha256() != null && !s.sha256().equalsIgnoreCase(hash)) {
            Files.deleteIfExists(local);
            throw new Refused("the recording " + s.path() + " from site " + s.site() + " does not match its index "
                    + "(sha256 " + hash + ", indexed " + s.sha256() + "); nothing was exported");
        }
        return local;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String reason(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The {@code message} of an error answer, or its start when it is not one. */
    private static String message(String body) {
        try {
            return Json.mapper().readTree(body).path("message").asText(body);
        } catch (IOException e) {
            return body.length() > 200 ? body.substring(0, 200) : body;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
