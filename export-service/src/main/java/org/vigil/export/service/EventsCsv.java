package org.vigil.export.service;

import java.util.List;

import org.vigil.export.Evidence;

/**
 * Motion events as CSV (RFC 4180). Cells that a spreadsheet would run as a formula ({@code = + - @} first) are
 * prefixed with an apostrophe, so an export opened in Excel cannot execute anything.
 */
public final class EventsCsv {

    private EventsCsv() {
    }

    public static String of(List<Evidence.Event> events) {
        StringBuilder sb = new StringBuilder("event_id,camera_id,site,started_at,ended_at,score,zone,labels\r\n");
        for (Evidence.Event e : events) {
            sb.append(cell(e.eventId())).append(',').append(cell(e.cameraId())).append(',').append(cell(e.site()))
                    .append(',').append(e.startedAt()).append(',').append(e.endedAt() == null ? "" : e.endedAt())
                    .append(',').append(e.score()).append(',').append(cell(e.zone())).append(',')
                    .append(cell(String.join(" ", e.labels()))).append("\r\n");
        }
        return sb.toString();
    }

    static String cell(String v) {
        if (v == null || v.isEmpty()) {
            return "";
        }
        String s = "=+-@\t\r".indexOf(v.charAt(0)) >= 0 ? "'" + v : v;
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            s = "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }
}
