package org.vigil.devstack.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A site's WAN link on this machine (design 0017, "How the WAN is tested here"): a network namespace of its own, joined
 * to the host by a veth pair ({@code 10.77.<n>.1} on the host, {@code 10.77.<n>.2} in the site), with a bandwidth cap
 * ({@code tbf} on both ends), random loss (nftables' {@code numgen}) and a cut (the host end set down, its traffic
 * then dropped by a blackhole route: connections stall as over a real cut). Latency is a {@link DelayRelay}'s: this kernel has no
 * {@code netem}. Needs root; {@link #unavailable()} says why not, for a test to skip saying so.
 */
public final class WanLink implements AutoCloseable {

    private final String namespace;
    private final String hostIf;
    private final int subnet;
    private boolean lossTable;

    private WanLink(String site, int subnet) {
        this.namespace = "vigil-" + site;
        this.hostIf = "vw-" + site;
        this.subnet = subnet;
    }

    /** Why links cannot be made here, or empty when they can. */
    public static Optional<String> unavailable() {
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.of("`ip netns` fails here (" + out + ")");
            }
            if (!"root".equals(System.getProperty("user.name"))) {
                return Optional.of("network namespaces need root");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("no `ip` command (iproute2)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /**
     * Makes the link of {@code site} (a short id: it names the namespace {@code vigil-<site>} and the host's interface
     * {@code vw-<site>}, at most 15 characters) on subnet {@code 10.77.<subnet>.0/24}; one left from a killed run is
     * removed first.
     */
    public static WanLink create(String site, int subnet) throws IOException {
        if (subnet < 1 || subnet > 254 || ("vw-" + site).length() > 15) {
            throw new IllegalArgumentException("site id too long, or subnet out of 1..254");
        }
        WanLink l = new WanLink(site, subnet);
        l.removeQuietly();
        String siteIf = "vs-" + site;
        run("ip", "netns", "add", l.namespace);
        run("ip", "link", "add", l.hostIf, "type", "veth", "peer", "name", siteIf);
        run("ip", "link", "set", siteIf, "netns", l.namespace);
        run("ip", "addr", "add", l.hostAddress() + "/24", "dev", l.hostIf);
        run("ip", "link", "set", l.hostIf, "up");
        // while the link is cut its route is gone: without this, the site's address would be sent to the default
        // gateway (here a proxy that answers anything with HTTP 400) instead of nowhere, as over a cut WAN link
        run("ip", "route", "replace", "blackhole", "10.77." + subnet + ".0/24", "metric", "4096");
        run("ip", "netns", "exec", l.namespace, "ip", "addr", "add", l.siteAddress() + "/24", "dev", siteIf);
        run("ip", "netns", "exec", l.namespace, "ip", "link", "set", siteIf, "up");
        run("ip", "netns", "exec", l.namespace, "ip", "link", "set", "lo", "up");
        run("ip", "netns", "exec", l.namespace, "ip", "route", "add", "default", "via", l.hostAddress());
        // the namespace reaches no name server: its own names come from a hosts file (`ip netns exec` mounts it over
        // /etc/hosts), as a real site's come from its DNS. Kafka's SASL server looks up its own address by name on
        // every connection (KAFKA-19919), which without this waits out the resolver's timeouts each time
        Path etc = Path.of("/etc/netns", l.namespace);
        Files.createDirectories(etc);
        Files.writeString(etc.resolve("hosts"), "127.0.0.1 localhost\n" + l.siteAddress() + " " + site + "\n"
                + l.hostAddress() + " central\n");
        return l;
    }

    public String namespace() {
        return namespace;
    }

    /** The host's end of the link. */
    public String hostAddress() {
        return "10.77." + subnet + ".1";
    }

    /** The site's end of the link. */
    public String siteAddress() {
        return siteAddress(subnet);
    }

    /** Bytes that crossed the link so far, both ways (the host end's counters). */
    public long bytes() throws IOException {
        java.nio.file.Path stats = java.nio.file.Path.of("/sys/class/net", hostIf, "statistics");
        return Long.parseLong(java.nio.file.Files.readString(stats.resolve("rx_bytes")).trim())
                + Long.parseLong(java.nio.file.Files.readString(stats.resolve("tx_bytes")).trim());
    }

    /** The site's end of the link made on {@code subnet}, known before the link is. */
    public static String siteAddress(int subnet) {
        return "10.77." + subnet + ".2";
    }

    /** Caps the link at {@code bitsPerSecond} each way (a token bucket with a small burst). */
    public void cap(long bitsPerSecond) throws IOException {
        for (List<String> prefix : List.of(List.<String>of(), List.of("ip", "netns", "exec", namespace))) {
            List<String> cmd = new ArrayList<>(prefix);
            cmd.addAll(List.of("tc", "qdisc", "replace", "dev", prefix.isEmpty() ? hostIf : "vs-" + hostIf.substring(3),
                    "root", "tbf", "rate", bitsPerSecond + "bit", "burst", "32kbit", "latency", "400ms"));
            run(cmd.toArray(String[]::new));
        }
    }

    /**
     * Drops {@code fraction} (0..1) of the packets each way at random, or says why it cannot (no {@code nft}).
     *
     * @return empty when set, else why not
     */
    public Optional<String> loss(double fraction) throws IOException {
        try {
            run("nft", "--version");
        } catch (IOException e) {
            return Optional.of("no `nft` (Debian's nftables): no loss emulated");
        }
        String table = table();
        int perTenThousand = (int) Math.round(fraction * 10_000);
        run("nft", "add", "table", "inet", table);
        lossTable = true;
        run("nft", "add", "chain", "inet", table, "out", "{ type filter hook output priority 0 ; }");
        run("nft", "add", "chain", "inet", table, "in", "{ type filter hook input priority 0 ; }");
        run("nft", "add", "rule", "inet", table, "out", "oifname", hostIf, "numgen", "random", "mod", "10000", "<",
                Integer.toString(perTenThousand), "drop");
        run("nft", "add", "rule", "inet", table, "in", "iifname", hostIf, "numgen", "random", "mod", "10000", "<",
                Integer.toString(perTenThousand), "drop");
        return Optional.empty();
    }

    /** Cuts the link: the host's end goes down. */
    public void cut() throws IOException {
        run("ip", "link", "set", hostIf, "down");
    }

    /** Restores the link after a {@link #cut()}. */
    public void restore() throws IOException {
        run("ip", "link", "set", hostIf, "up");
    }

    /** {@code command} to run inside the site's namespace. */
    public List<String> inside(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        cmd.addAll(command);
        return cmd;
    }

    @Override
    public void close() {
        removeQuietly();
    }

    private void removeQuietly() {
        if (lossTable) {
            tryRun("nft", "delete", "table", "inet", table());
            lossTable = false;
        }
        tryRun("ip", "link", "del", hostIf); // deletes its peer in the namespace too
        tryRun("ip", "route", "del", "blackhole", "10.77." + subnet + ".0/24");
        tryRun("ip", "netns", "del", namespace);
        try {
            Files.deleteIfExists(Path.of("/etc/netns", namespace, "hosts"));
            Files.deleteIfExists(Path.of("/etc/netns", namespace));
        } catch (IOException e) {
            // left for the next run's create, which overwrites it
        }
    }

    private String table() {
        return "vigil_wan_" + hostIf.substring(3).replace('-', '_');
    }

    private static void tryRun(String... cmd) {
        try {
            run(cmd);
        } catch (IOException e) {
            // not there: nothing to remove
        }
    }

    private static void run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }
}
