package org.vigil.recorder.service;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A segment's sidecar index: the true capture time of every frame, which AVI (one constant rate) cannot hold.
 * Text, one frame a line, so an operator can read it:
 *
 * <pre>
 * # vigil segment index v1
 * camera=cam1 session=… codec=h264 width=640 height=360 rate=15
 * 0 1795854645170123 1 4210
 * 1 1795854645236789 0 4211
 * </pre>
 *
 * Frame lines are {@code frame-number wall-clock-µs key-frame(0/1) packet-seq}. The writer appends as frames are
 * written to the video, and flushes both together; after a crash, the index tells how many frames of the partial video
 * are known, and the last (session, seq) that reached the disk.
 */
public final class FrameIndex {

    static final String MAGIC = "# vigil segment index v1";

    /** One frame. */
    public record Frame(long number, long wallMicros, boolean keyFrame, long seq) {
    }

    /** A parsed index: header fields and frames. */
    public record Contents(Map<String, String> header, List<Frame> frames) {
        public String session() {
            return header.get("session");
        }

        public String camera() {
            return header.get("camera");
        }
    }

    private final BufferedWriter out;
    private long frames;

    /** Creates the index file with its header. */
    public FrameIndex(Path file, Map<String, String> header) throws IOException {
        // large enough that lines reach the file only at flush(), which the writer calls at key frames, after the video
        out = new BufferedWriter(new java.io.OutputStreamWriter(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), StandardCharsets.US_ASCII), 1 << 16);
        out.write(MAGIC);
        out.newLine();
        StringBuilder h = new StringBuilder();
        header.forEach((k, v) -> h.append(h.length() == 0 ? "" : " ").append(k).append('=').append(v));
        out.write(h.toString());
        out.newLine();
    }

    public void append(long wallMicros, boolean keyFrame, long seq) throws IOException {
        out.write(frames++ + " " + wallMicros + " " + (keyFrame ? 1 : 0) + " " + seq);
        out.newLine();
    }

    public void flush() throws IOException {
        out.flush();
    }

    public long frames() {
        return frames;
    }

    public void close() throws IOException {
        out.close();
    }

    /**
     * Reads an index, stopping at the first incomplete or malformed line (a crash can cut the last one short).
     *
     * @throws IOException when the file is not an index at all
     */
    public static Contents read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        // the last element is what follows the last newline: empty for a complete file, a cut-off line after a crash
        lines.remove(lines.size() - 1);
        if (lines.size() < 2 || !lines.get(0).equals(MAGIC)) {
            throw new IOException(file + " is not a segment index");
        }
        Map<String, String> header = new LinkedHashMap<>();
        for (String kv : lines.get(1).split(" ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                header.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        List<Frame> frames = new ArrayList<>();
        for (int i = 2; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ");
            if (f.length != 4) {
                break;
            }
            try {
                Frame fr = new Frame(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2].equals("1"), Long.parseLong(f[3]));
                if (fr.number() != frames.size()) {
                    break;
                }
                frames.add(fr);
            } catch (NumberFormatException e) {
                break;
            }
        }
        return new Contents(header, List.copyOf(frames));
    }
}
