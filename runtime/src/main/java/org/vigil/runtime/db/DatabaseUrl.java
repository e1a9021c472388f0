package org.vigil.runtime.db;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code DATABASE_URL} as operators write it: {@code postgresql://host[:port][,host[:port]…]/database[?params]}. One
 * host is a single server; several are a primary and its standbys, in any order (design 0017, section 4). The JDBC
 * form (Flyway's) lists them all and asks pgjdbc for the primary ({@code targetServerType=primary}); the reactive form
 * is one URL per host, and {@link PrimaryPool} finds the primary among them.
 *
 * @param hosts each {@code host[:port]}, in the order given
 * @param database the database's name
 * @param params the query string without its {@code ?}, or empty
 */
public record DatabaseUrl(List<String> hosts, String database, String params) {

    private static final Pattern FORM = Pattern.compile("postgresql://([^/?#]+)/([A-Za-z0-9_$-]+)(?:\\?([^#]*))?");
    private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?");

    public DatabaseUrl {
        hosts = List.copyOf(hosts);
    }

    /** Parses {@code url}; a clear message names what is wrong with it. */
    public static DatabaseUrl parse(String url) {
        Matcher m = FORM.matcher(url == null ? "" : url.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("DATABASE_URL must look like postgresql://host:5432/vigil or, with a "
                    + "standby, postgresql://primary:5432,standby:5432/vigil");
        }
        List<String> hosts = new ArrayList<>();
        for (String h : m.group(1).split(",", -1)) {
            if (!HOST.matcher(h).matches()) {
                throw new IllegalArgumentException("DATABASE_URL names a host that is not host or host:port: '" + h
                        + "'");
            }
            hosts.add(h);
        }
        return new DatabaseUrl(hosts, m.group(2), m.group(3) == null ? "" : m.group(3));
    }

    public boolean severalHosts() {
        return hosts.size() > 1;
    }

    /** pgjdbc's form, which tries each host and connects only to the primary when there are several. */
    public String jdbc() {
        String p = params;
        if (severalHosts() && !p.matches("(?i)(.*&)?targetServerType=.*")) {
            p = p.isEmpty() ? "targetServerType=primary" : p + "&targetServerType=primary";
        }
        return "jdbc:postgresql://" + String.join(",", hosts) + "/" + database + (p.isEmpty() ? "" : "?" + p);
    }

    /** The reactive client's form: one URL per host, comma-separated (pgjdbc's own parameters left out). */
    public String reactive() {
        String p = String.join("&", java.util.Arrays.stream(params.split("&"))
                .filter(kv -> !kv.isEmpty() && !kv.toLowerCase(java.util.Locale.ROOT).startsWith("targetservertype="))
                .toList());
        List<String> urls = new ArrayList<>();
        for (String h : hosts) {
            urls.add("postgresql://" + h + "/" + database + (p.isEmpty() ? "" : "?" + p));
        }
        return String.join(",", urls);
    }
}
