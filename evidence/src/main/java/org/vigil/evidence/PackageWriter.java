package org.vigil.evidence;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.vigil.contracts.Json;
import org.vigil.evidence.ExportPackage.FileEntry;
import org.vigil.evidence.ExportPackage.Manifest;

/**
 * Writes an export package ({@link ExportPackage}) as a stream: each file is copied through once, in fixed-size
 * chunks, while its SHA-256 and size are taken, so memory stays flat whatever the export's size (ZIP64 beyond 4 GB).
 * Recordings are stored without compression (they are compressed video already); text is deflated. {@link #finish}
 * writes the manifest of everything added, its Ed25519 signature and the public key.
 */
public final class PackageWriter implements Closeable {

    private static final int CHUNK = 1 << 20;

    private final ZipOutputStream zip;
    private final List<FileEntry> files = new ArrayList<>();
    private final byte[] buffer = new byte[CHUNK];

    public PackageWriter(OutputStream out) {
        this.zip = new ZipOutputStream(out, StandardCharsets.UTF_8);
    }

    /**
     * Copies {@code in} into the package as {@code path}.
     *
     * @param compress deflate it (text) or store it (video)
     * @param progress told the bytes copied after every chunk; may throw to stop (e.g. a cancelled export)
     */
    public FileEntry add(String path, InputStream in, boolean compress, LongConsumer progress) throws IOException {
        if (path.startsWith("/") || path.contains("..") || path.contains("\\")) {
            throw new IllegalArgumentException("not a plain relative path: " + path);
        }
        MessageDigest sha = sha256();
        zip.setLevel(compress ? Deflater.BEST_SPEED : Deflater.NO_COMPRESSION);
        zip.putNextEntry(new ZipEntry(path));
        long size = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            sha.update(buffer, 0, n);
            zip.write(buffer, 0, n);
            size += n;
            progress.accept(n);
        }
        zip.closeEntry();
        FileEntry f = new FileEntry(path, size, HexFormat.of().formatHex(sha.digest()));
        files.add(f);
        return f;
    }

    public FileEntry add(String path, byte[] data) throws IOException {
        return add(path, new java.io.ByteArrayInputStream(data), true, b -> {
        });
    }

    /**
     * Writes manifest.json ({@code manifest} with the files added so far and the key's fingerprint), its signature,
     * the public key and the ZIP's central directory, and flushes: the package is complete in the stream underneath,
     * which stays open (fsync it, then close).
     *
     * @return the manifest as written
     */
    public Manifest finish(Manifest manifest, KeyPair key) throws IOException {
        Manifest m = new Manifest(ExportPackage.FORMAT, manifest.exportId(), manifest.createdAt(),
                manifest.requestedBy(), manifest.reason(), manifest.caseId(), manifest.cameras(), manifest.from(),
                manifest.to(), manifest.timeSync(), manifest.software(), List.copyOf(files),
                new ExportPackage.SigningKey(Signing.ALGORITHM, Signing.fingerprint(key.getPublic())),
                manifest.auditExcerpt(), manifest.siteClocks());
        byte[] bytes = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
        entry(ExportPackage.MANIFEST, bytes);
        entry(ExportPackage.SIGNATURE, (Signing.sign(key.getPrivate(), bytes) + "\n").getBytes(StandardCharsets.US_ASCII));
        entry(ExportPackage.PUBLIC_KEY, Signing.publicPem(key.getPublic()).getBytes(StandardCharsets.US_ASCII));
        zip.finish(); // the central directory; the stream underneath stays open, so the caller can fsync it
        zip.flush();
        return m;
    }

    private void entry(String name, byte[] data) throws IOException {
        zip.setLevel(Deflater.BEST_SPEED);
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    /** Closes the stream; a package closed before {@link #finish} is incomplete and fails verification. */
    @Override
    public void close() throws IOException {
        zip.close();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
