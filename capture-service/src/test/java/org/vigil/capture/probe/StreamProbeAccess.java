package org.vigil.capture.probe;

/** The probe's package-private checks, for tests in other packages. */
public final class StreamProbeAccess {

    private StreamProbeAccess() {
    }

    public static boolean recordable(String codec) {
        return StreamProbe.recordable(codec);
    }
}
