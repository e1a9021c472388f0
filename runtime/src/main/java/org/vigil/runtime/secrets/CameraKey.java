package org.vigil.runtime.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key camera passwords are sealed with (design 0018 §3): AES-256-GCM, a fresh 96-bit nonce each time, the camera's
 * id as associated data, so a sealed password copied onto another camera does not open. The gateway seals what an
 * admin types; capture opens it only to connect. Sealed text is {@code v1.<base64url(nonce | ciphertext | tag)>}.
 *
 * <p>The key file holds 32 random bytes in base64 and must not be readable by others ({@code VIGIL_CAMERA_KEY_FILE},
 * a Kubernetes Secret in production; its fsGroup may read it). No message of this class ever holds a password.
 */
public final class CameraKey {

    public static final String PREFIX = "v1.";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private CameraKey(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * Reads a key file.
     *
     * @throws IllegalStateException naming the file when it is missing, unreadable, readable by others, or not 32
     *         bytes in base64
     */
    public static CameraKey load(Path file) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            // a Kubernetes Secret mounted with an fsGroup is group-readable (0440): only others are refused
            if (mode.stream().anyMatch(p -> p.name().startsWith("OTHERS"))) {
                throw new IllegalStateException("the camera key " + file + " is readable by others ("
                        + PosixFilePermissions.toString(mode) + "): make it owner-only (chmod 600)");
            }
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX modes: nothing to check
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("the camera key " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the camera key " + file + ": " + e.getMessage(), e);
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
        } catch (AccessDeniedException e) {
            throw new IllegalStateException("cannot read the camera key " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the camera key " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != KEY_BYTES) {
            throw new IllegalStateException("the camera key " + file + " is not " + KEY_BYTES
                    + " bytes in base64 (make one with: head -c 32 /dev/urandom | base64 > " + file + ")");
        }
        return new CameraKey(raw);
    }

    /** Reads a key file, first creating it (owner-only, 32 random bytes) where there is none. */
    public static CameraKey createOrLoad(Path file) {
        if (!Files.exists(file)) {
            byte[] raw = new byte[KEY_BYTES];
            RANDOM.nextBytes(raw);
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
                Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".camera-key", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, Base64.getEncoder().encodeToString(raw) + "\n", StandardCharsets.US_ASCII);
                try {
                    Files.move(tmp, file); // no replace: a key made meanwhile by another process wins
                } catch (FileAlreadyExistsException raced) {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the camera key " + file, e);
            }
        }
        return load(file);
    }

    /** Seals {@code password} for the camera {@code cameraId}. */
    public String seal(String cameraId, String password) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(cameraId.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(password.getBytes(StandardCharsets.UTF_8));
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(ByteBuffer.allocate(nonce.length
                    + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /**
     * Opens a password sealed for {@code cameraId}.
     *
     * @throws IllegalArgumentException when it was sealed for another camera or with another key, or is not sealed
     *         text at all (the message says which, never the text)
     */
    public String open(String cameraId, String sealed) {
        if (sealed == null || !sealed.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a sealed password (" + PREFIX + "…)");
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(sealed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a sealed password that is not base64url");
        }
        if (raw.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalArgumentException("a sealed password too short to be one");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, raw, 0, NONCE_BYTES));
            c.updateAAD(cameraId.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("the password was sealed for another camera or with another camera key");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }
}
