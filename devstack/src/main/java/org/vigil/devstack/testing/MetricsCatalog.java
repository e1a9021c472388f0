package org.vigil.devstack.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metrics catalog, {@code docs/metrics.md}: under {@code ## <service>}, a table whose first column names each metric
 * the service must expose. Services' tests check their {@code /q/metrics} against it, so the page, the dashboard and
 * the alert rules cannot drift from the code.
 */
public final class MetricsCatalog {

    private static final Pattern NAME = Pattern.compile("`(vigil_[a-z0-9_]+)");

    private MetricsCatalog() {
    }

    public static Path file() {
        return ServiceSchemas.repositoryRoot().resolve("docs/metrics.md");
    }

    /** The metrics the catalog requires of {@code service} (first column of its table). */
    public static List<String> required(String service) {
        List<String> out = new ArrayList<>();
        boolean inSection = false;
        for (String line : lines()) {
            if (line.startsWith("## ")) {
                inSection = line.substring(3).trim().equals(service);
            } else if (inSection && line.startsWith("| `vigil_")) {
                Matcher m = NAME.matcher(line);
                if (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("docs/metrics.md lists no metric for " + service);
        }
        return out;
    }

    /** Every {@code vigil_} metric the page names, required or not. */
    public static Set<String> known() {
        Set<String> out = new LinkedHashSet<>();
        for (String line : lines()) {
            Matcher m = NAME.matcher(line);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /**
     * The required metrics of {@code service} absent from {@code exposition} (Prometheus text format): a metric is there
     * when a sample line starts with its name, or with its name and a timer's or histogram's suffix.
     */
    public static List<String> missing(String service, String exposition) {
        Set<String> present = new LinkedHashSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            String name = line.substring(0, end);
            present.add(name);
            present.add(name.replaceFirst("_(count|sum|max|bucket)$", ""));
        }
        return required(service).stream().filter(n -> !present.contains(n)).toList();
    }

    /**
     * Scrapes until every required metric of {@code service} is there or {@code timeout} passes (some appear with
     * their first camera or first write); returns those still missing.
     */
    public static List<String> awaitMissing(String service, java.util.function.Supplier<String> scrape,
            java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // a service under test runs in this JVM: collect garbage first, so a gauge whose object nothing else holds
        // (Micrometer holds gauge objects weakly) is gone now rather than at some later, unlucky moment
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        List<String> missing = missing(service, scrape.get());
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            missing = missing(service, scrape.get());
        }
        return missing;
    }

    private static List<String> lines() {
        try {
            return Files.readAllLines(file());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
