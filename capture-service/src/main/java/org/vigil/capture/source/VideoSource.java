package org.vigil.capture.source;


import org.vigil.contracts.StreamParams;

/** An open connection to one camera's video stream. Not thread-safe: one worker thread reads it. */
public interface VideoSource extends AutoCloseable {

    /** Parameters of the video stream, known once the source is open. */
    StreamParams params();

    /**
     * Blocks until the next video packet, at most the source's read timeout.
     *
     * @throws SourceException when the stream ended, timed out or failed; the message is safe to show (no credentials)
     */
    Packet read() throws SourceException;

    /** Whether the source carries audio beside its video (Vigil records video only). */
    default boolean hasAudio() {
        return false;
    }

    @Override
    void close();
}
