package org.vigil.gateway.cameras;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import com.fasterxml.jackson.dataformat.csv.CsvWriteException;
import org.vigil.contracts.Json;
import org.vigil.contracts.Zone;

/**
 * Cameras as CSV, for bulk import and export (design 0018 §1): a header row naming the columns, one camera a row.
 * Labels are separated by {@code ;}; zones and masks are JSON (as in the API). Import also takes a {@code password}
 * column, which export never writes. Rows are numbered as a spreadsheet
 * shows them: the header is row 1. A cell that a spreadsheet would run as a formula ({@code =}, {@code +}, {@code -},
 * {@code @}) is written with a leading {@code '}, which reading takes off again.
 */
public final class CameraCsv {

    /** The columns, in the order export writes them. */
    public static final List<String> COLUMNS = List.of("id", "name", "site", "url", "sub_stream_url", "username",
            "enabled", "recording", "sensitivity", "min_object_area", "labels", "retention_days", "zones", "masks");
    static final Set<String> REQUIRED = Set.of("id", "name", "site", "url");
    /** Read on import, never written on export: a camera's password, sealed before it is stored. */
    static final String PASSWORD = "password";
    public static final int MAX_ROWS = 5000;

    /** A data row and the camera it gives. */
    public record Row(int row, CameraInput input) {
    }

    /** One cell's problem: its row (the header is 1) and its column. */
    public record CellProblem(int row, String column, String message) {
    }

    /** A file's rows, or its problems (then no row is to be applied). */
    public record Parsed(List<Row> rows, List<CellProblem> problems) {
    }

    private static final CsvMapper CSV = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
    private static final TypeReference<List<Zone>> ZONES = new TypeReference<>() {
    };

    private CameraCsv() {
    }

    /** Reads a CSV file; every problem of every row is listed, and none stops the reading of the others. */
    public static Parsed read(String text) {
        List<CellProblem> problems = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        List<String[]> lines = new ArrayList<>();
        try (MappingIterator<String[]> it = CSV.readerFor(String[].class).readValues(text)) {
            while (it.hasNextValue()) {
                lines.add(it.nextValue());
                if (lines.size() > MAX_ROWS + 1) {
                    return new Parsed(List.of(), List.of(new CellProblem(lines.size(), null, "at most " + MAX_ROWS
                            + " cameras a file")));
                }
            }
        } catch (IOException | RuntimeException e) {
            return new Parsed(List.of(), List.of(new CellProblem(lines.size() + 1, null, "not readable as CSV: "
                    + firstLine(e.getMessage()))));
        }
        if (lines.isEmpty()) {
            return new Parsed(List.of(), List.of(new CellProblem(1, null, "the file is empty: the first row names "
                    + "the columns (" + String.join(",", COLUMNS) + ")")));
        }
        String[] header = lines.get(0);
        Map<String, Integer> at = new HashMap<>();
        for (int i = 0; i < header.length; i++) {
            String col = header[i].strip().toLowerCase(Locale.ROOT);
            if (!COLUMNS.contains(col) && !col.equals(PASSWORD)) {
                problems.add(new CellProblem(1, header[i], "unknown column (the columns are " + String.join(",",
                        COLUMNS) + ")"));
            } else if (at.putIfAbsent(col, i) != null) {
                problems.add(new CellProblem(1, col, "the column is named twice"));
            }
        }
        for (String required : COLUMNS) {
            if (REQUIRED.contains(required) && !at.containsKey(required)) {
                problems.add(new CellProblem(1, required, "a required column is missing"));
            }
        }
        if (!problems.isEmpty()) {
            return new Parsed(List.of(), problems);
        }
        Map<String, Integer> firstRowOfId = new HashMap<>();
        for (int r = 1; r < lines.size(); r++) {
            String[] cells = lines.get(r);
            int row = r + 1;
            if (cells.length == 1 && cells[0].isBlank()) {
                continue; // an empty line
            }
            if (cells.length > header.length) {
                problems.add(new CellProblem(row, null, "has " + cells.length + " cells, the header " + header.length));
                continue;
            }
            Cells c = new Cells(row, cells, at, problems);
            CameraInput in = new CameraInput(c.text("id"), c.text("name"), c.text("site"), c.text("url"),
                    c.text("sub_stream_url"), c.text("username"), c.text("password"), c.bool("enabled"), c.bool("recording"),
                    c.number("sensitivity"), c.number("min_object_area"), c.zones("zones"), c.zones("masks"),
                    c.labels("labels"), c.integer("retention_days"));
            if (in.id() != null) {
                Integer earlier = firstRowOfId.putIfAbsent(in.id(), row);
                if (earlier != null) {
                    problems.add(new CellProblem(row, "id", "duplicate id '" + in.id() + "': also on row " + earlier));
                }
            }
            rows.add(new Row(row, in));
        }
        return new Parsed(problems.isEmpty() ? rows : List.of(), problems);
    }

    /** Writes cameras as CSV, with the header row. */
    public static String write(List<CameraDetails> cameras) {
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        COLUMNS.forEach(schema::addColumn);
        StringWriter out = new StringWriter();
        try (var w = CSV.writer(schema.build()).writeValues(out)) {
            for (CameraDetails c : cameras) {
                w.write(Arrays.asList(cell(c.id()), cell(c.name()), cell(c.site()), cell(c.url()),
                        cell(c.subStreamUrl()), cell(c.username()), Boolean.toString(c.enabled()),
                        Boolean.toString(c.recording()), Double.toString(c.sensitivity()),
                        Double.toString(c.minObjectArea()), cell(String.join(";", c.labels())),
                        c.retentionDays() == null ? "" : c.retentionDays().toString(),
                        c.zones().isEmpty() ? "" : new String(Json.write(c.zones()), java.nio.charset.StandardCharsets.UTF_8),
                        c.masks().isEmpty() ? "" : new String(Json.write(c.masks()), java.nio.charset.StandardCharsets.UTF_8)));
            }
        } catch (CsvWriteException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The CSV column of an API field ({@code subStreamUrl} → {@code sub_stream_url}; {@code zones[1].name} → zones). */
    public static String column(String field) {
        int cut = field.length();
        for (char stop : new char[] {'[', '.'}) {
            int i = field.indexOf(stop);
            if (i >= 0) {
                cut = Math.min(cut, i);
            }
        }
        return field.substring(0, cut).replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    private static String cell(String s) {
        if (s == null) {
            return "";
        }
        return !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A row's cells by column, each parse problem listed against its row and column. */
    private record Cells(int row, String[] cells, Map<String, Integer> at, List<CellProblem> problems) {

        String text(String column) {
            Integer i = at.get(column);
            if (i == null || i >= cells.length) {
                return null;
            }
            String v = cells[i].strip();
            if (v.length() > 1 && v.charAt(0) == '\'' && "=+-@\t\r".indexOf(v.charAt(1)) >= 0) {
                v = v.substring(1);
            }
            return v.isEmpty() ? null : v;
        }

        Boolean bool(String column) {
            String v = text(column);
            if (v == null) {
                return null;
            }
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "1" -> true;
                case "false", "no", "0" -> false;
                default -> {
                    problems.add(new CellProblem(row, column, "'" + v + "' is not true or false"));
                    yield null;
                }
            };
        }

        Double number(String column) {
            String v = text(column);
            if (v == null) {
                return null;
            }
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                problems.add(new CellProblem(row, column, "'" + v + "' is not a number"));
                return null;
            }
        }

        Integer integer(String column) {
            String v = text(column);
            if (v == null) {
                return null;
            }
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                problems.add(new CellProblem(row, column, "'" + v + "' is not a whole number"));
                return null;
            }
        }

        List<String> labels(String column) {
            String v = text(column);
            return v == null ? List.of() : Arrays.stream(v.split(";")).map(String::strip).toList();
        }

        List<Zone> zones(String column) {
            String v = text(column);
            if (v == null) {
                return List.of();
            }
            try {
                return Json.mapper().readValue(v, ZONES);
            } catch (IOException e) {
                problems.add(new CellProblem(row, column, "not a JSON list of zones ([{\"name\":…,\"polygon\":"
                        + "[{\"x\":0.1,\"y\":0.1},…]}])"));
                return List.of();
            }
        }
    }
}
