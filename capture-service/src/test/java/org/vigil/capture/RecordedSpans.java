package org.vigil.capture;

import jakarta.inject.Singleton;

/** This service's ended spans, for its tracing tests (see the devstack class). */
@Singleton
public class RecordedSpans extends org.vigil.devstack.testing.RecordedSpans {
}
