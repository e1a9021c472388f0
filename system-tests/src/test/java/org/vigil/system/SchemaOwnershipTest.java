package org.vigil.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Each PostgreSQL schema has one owner: a service's SQL names another service's schema only through that owner's
 * versioned read views ({@code v1_…}). The SQL is read from the services' sources (string literals and text blocks
 * that hold SQL), so a query that reaches into another schema fails the build, and a migration's reach is visible:
 * whoever changes a table sees which views expose it, and which readers use them.
 *
 * <p>{@link #KNOWN_DEBT} lists what still reaches in directly (nothing now): it may only shrink. An entry that is no longer used fails the test too, so the list stays true.
 */
class SchemaOwnershipTest {

    /** Each schema and the only module that may touch its tables. */
    static final Map<String, String> OWNERS = Map.of("events", "event-service", "exports", "export-service",
            "identity", "gateway", "retention", "retention-service");

    /**
     * Direct uses of another service's tables that remain, as "module schema.table" ("schema." alone for a name built
     * at run time): none since issue 19 (event-service prunes its own days; retention deletes index rows through
     * {@code events.v1_delete_segments}). Anything added here is debt to pay, listed where everyone sees it.
     */
    static final Set<String> KNOWN_DEBT = Set.of();

    private static final Pattern LITERAL = Pattern.compile("\"\"\"(.*?)\"\"\"|\"((?:[^\"\\\\\\n]|\\\\.)*)\"",
            Pattern.DOTALL);
    private static final Pattern SQL = Pattern.compile(
            "\\b(select|insert|update|delete|alter|drop|lock|from|join|into|table|partition)\\b",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern REFERENCE = Pattern.compile("\\b(events|exports|identity|retention)\\.([a-z0-9_]*)");

    @Test
    void servicesReadOtherSchemasOnlyThroughTheirOwnersVersionedViews() throws IOException {
        Set<String> found = new TreeSet<>();
        for (String module : ModuleBoundariesTest.serviceModules()) {
            for (String ref : references(module)) {
                String schema = ref.substring(0, ref.indexOf('.'));
                String name = ref.substring(ref.indexOf('.') + 1);
                if (!module.equals(OWNERS.get(schema)) && !name.startsWith("v1_")) {
                    found.add(module + " " + ref);
                }
            }
        }
        assertThat(found).as("SQL of a service on another service's tables (use the owner's v1_ views)")
                .isSubsetOf(KNOWN_DEBT);
        assertThat(KNOWN_DEBT).as("known debt that is paid: remove it from the list").isSubsetOf(found);
    }

    @Test
    void theScanSeesSqlInLiteralsAndTextBlocks() {
        List<String> refs = new ArrayList<>();
        scan("""
                String a = "select x from events.segments where y";
                String b = \"\"\"
                        select * from exports.v1_finished_jobs j
                        join identity.users u on true\"\"\";
                String c = "events.csv"; // a file name, not SQL
                String d = "alter table events." + name;
                """, refs);
        assertThat(refs).containsExactly("events.segments", "exports.v1_finished_jobs", "identity.users", "events.");
    }

    private static List<String> references(String module) throws IOException {
        List<String> refs = new ArrayList<>();
        Path src = ModuleBoundariesTest.root().resolve(module).resolve("src/main/java");
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                scan(Files.readString(f), refs);
            }
        }
        return refs;
    }

    private static void scan(String java, List<String> refs) {
        Matcher m = LITERAL.matcher(java);
        while (m.find()) {
            String text = m.group(1) != null ? m.group(1) : m.group(2);
            if (!SQL.matcher(text).find()) {
                continue;
            }
            Matcher r = REFERENCE.matcher(text);
            while (r.find()) {
                refs.add(r.group(1) + "." + r.group(2));
            }
        }
    }
}
