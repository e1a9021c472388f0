package org.vigil.export.service;

import java.util.Map;

/** A request the export service refuses, with the status and the details the caller needs to act. */
public final class ExportProblem extends RuntimeException {

    public final int status;
    public final String code;
    public final Map<String, Object> details;

    public ExportProblem(int status, String code, String message, Map<String, Object> details) {
        super(message);
        this.status = status;
        this.code = code;
        this.details = details;
    }

    public ExportProblem(int status, String code, String message) {
        this(status, code, message, Map.of());
    }
}
