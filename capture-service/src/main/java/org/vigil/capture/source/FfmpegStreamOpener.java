package org.vigil.capture.source;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.capture.config.CaptureConfig;
import org.vigil.capture.source.rtsp.RtspSource;
import org.vigil.contracts.CameraConfig;
import org.vigil.runtime.secrets.CameraKey;

/**
 * The real {@link StreamOpener}: {@code test:} is synthetic, an rtsp:// camera with H.264 or H.265 goes through
 * Vigil's own RTSP reader ({@link RtspSource}, design 0026) unless VIGIL_RTSP_CLIENT=ffmpeg, everything else
 * through FFmpeg. A camera's user name and sealed password (design 0018 §3) join its URL only here, when it is
 * opened; the password is opened with the camera key, and every message about the stream shows the URL masked.
 */
@ApplicationScoped
public class FfmpegStreamOpener implements StreamOpener {

    private final CaptureConfig config;
    private final InstantSource clock;
    private final Optional<CameraKey> key;
    /** Stream URLs Vigil's RTSP reader found it cannot take: FFmpeg reads them from then on, without asking again. */
    private final java.util.Set<String> ffmpegOnly = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(FfmpegStreamOpener.class);

    public FfmpegStreamOpener(CaptureConfig config, InstantSource clock) {
        this.config = config;
        this.clock = clock;
        this.key = config.cameraKeyFile().map(CameraKey::load);
    }

    @Override
    public VideoSource open(CameraConfig camera) throws SourceException {
        SourceUrls.Kind kind = SourceUrls.kind(camera.url());
        if (kind == SourceUrls.Kind.TEST) {
            return SyntheticSource.open(camera.url(), clock);
        }
        CameraConfig withCredentials = withCredentials(camera);
        if (kind == SourceUrls.Kind.RTSP && config.rtspClient() == CaptureConfig.RtspClient.VIGIL
                && !ffmpegOnly.contains(camera.url())) {
            try {
                return RtspSource.open(withCredentials, config.rtspTimeoutMs());
            } catch (RtspSource.Unsupported e) {
                if (ffmpegOnly.add(camera.url())) {
                    LOG.infof("camera %s: read with FFmpeg (%s)", camera.id(), e.getMessage());
                }
            }
        }
        return FfmpegSource.open(withCredentials, config.rtspTimeoutMs());
    }

    /** The camera with its user name and opened password in its URL ({@code scheme://user:password@host…}). */
    CameraConfig withCredentials(CameraConfig camera) throws SourceException {
        if (camera.username() == null && camera.passwordSealed() == null) {
            return camera;
        }
        String password = null;
        if (camera.passwordSealed() != null) {
            if (key.isEmpty()) {
                throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "the camera's password is sealed and "
                        + "this capture instance has no camera key (VIGIL_CAMERA_KEY_FILE)");
            }
            try {
                password = key.get().open(camera.id(), camera.passwordSealed());
            } catch (IllegalArgumentException e) {
                throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "cannot open the camera's password: "
                        + e.getMessage());
            }
        }
        String url = camera.url();
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            throw new SourceException(SourceException.Kind.CANNOT_CONNECT, "credentials are given for a source that "
                    + "takes none: " + camera.maskedUrl());
        }
        String userInfo = encode(camera.username() == null ? "" : camera.username())
                + (password == null ? "" : ":" + encode(password));
        String withCredentials = url.substring(0, scheme + 3) + userInfo + "@" + url.substring(scheme + 3);
        return new CameraConfig(camera.v(), camera.id(), camera.name(), camera.site(), withCredentials,
                camera.subStreamUrl(), camera.recording(), camera.sensitivity(), camera.zones(), camera.masks(),
                camera.updatedAt(), camera.updatedBy(), camera.enabled(), camera.username(), camera.passwordSealed(),
                camera.minObjectArea(), camera.labels(), camera.retentionDays());
    }

    /** Percent-encodes all but RFC 3986's unreserved characters: FFmpeg decodes user info before it sends it. */
    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A")
                .replace("%7E", "~");
    }
}
