package org.vigil.gateway.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import org.vigil.gateway.config.GatewayConfig;

/**
 * The address a request really comes from, which sign-in throttling counts against. It is the TCP peer, unless the
 * peer is one of the configured trusted proxies (VIGIL_TRUSTED_PROXIES: addresses or CIDR blocks, none by default).
 * Then {@code X-Forwarded-For} is read from the right: each proxy appends the address it received the request from,
 * so the first address from the right that is not itself a trusted proxy is the client. Anything further left was
 * written by the client and is not believed. (Quarkus' own forwarding support takes the leftmost entry, which the
 * client controls; hence this class.)
 *
 * <p>IPv6 clients are counted by their /64: one subscriber usually holds a whole /64, so single addresses would give
 * an attacker 2^64 fresh identities.
 */
@ApplicationScoped
public class ClientAddress {

    /** An address block: {@code bits} leading bits of {@code prefix}. */
    record Block(byte[] prefix, int bits) {
        boolean contains(byte[] a) {
            if (a.length != prefix.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (a[full] & mask) == (prefix[full] & mask);
        }
    }

    private final List<Block> trusted;

    @jakarta.inject.Inject
    public ClientAddress(GatewayConfig config) {
        this(config.trustedProxies().orElse(List.of()));
    }

    ClientAddress(List<String> trustedProxies) {
        List<Block> blocks = new ArrayList<>();
        for (String entry : trustedProxies) {
            if (!entry.isBlank()) {
                blocks.add(block(entry.trim()));
            }
        }
        this.trusted = List.copyOf(blocks);
    }

    /** Parses {@code 10.0.0.0/8}, {@code 192.0.2.7} or {@code 2001:db8::/32}; a clear error for anything else. */
    static Block block(String entry) {
        int slash = entry.indexOf('/');
        String host = slash < 0 ? entry : entry.substring(0, slash);
        byte[] address = literal(host);
        if (address == null) {
            throw new IllegalArgumentException("VIGIL_TRUSTED_PROXIES: '" + entry + "' is not an IP address or CIDR "
                    + "block (host names are not accepted)");
        }
        int bits = address.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > address.length * 8) {
                throw new IllegalArgumentException("VIGIL_TRUSTED_PROXIES: '" + entry + "' has a bad prefix length");
            }
        }
        return new Block(address, bits);
    }

    /** The client of this request, as a key for counting (an IPv6 client's /64). */
    public String of(HttpServerRequest request) {
        String peer = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        return key(resolve(peer, request.headers().getAll("X-Forwarded-For")));
    }

    /** The client address given the TCP peer and every {@code X-Forwarded-For} header in order. */
    String resolve(String peer, List<String> forwardedFor) {
        if (peer == null) {
            return "unknown";
        }
        if (!isTrusted(peer) || forwardedFor.isEmpty()) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String hop : header.split(",")) {
                hops.add(hop.trim());
            }
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = stripPort(hops.get(i));
            if (literal(hop) == null) {
                return client; // garbage: the last trustworthy address is as far as we can see
            }
            client = hop;
            if (!isTrusted(hop)) {
                return hop;
            }
        }
        return client;
    }

    private boolean isTrusted(String address) {
        byte[] a = literal(address);
        return a != null && trusted.stream().anyMatch(b -> b.contains(a));
    }

    /** An IPv4 address as it is; an IPv6 address as its /64 prefix. */
    static String key(String address) {
        byte[] a = literal(address);
        if (a == null || a.length == 4) {
            return address;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i += 2) {
            sb.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff))).append(':');
        }
        return sb.append(":/64").toString();
    }

    private static String stripPort(String hop) {
        if (hop.startsWith("[")) { // [2001:db8::1]:4711
            int end = hop.indexOf(']');
            return end > 0 ? hop.substring(1, end) : hop;
        }
        int colon = hop.indexOf(':');
        return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop; // 192.0.2.7:4711
    }

    /** The bytes of a numeric IPv4 or IPv6 address; {@code null} for anything else (never a DNS lookup). */
    static byte[] literal(String s) {
        if (s == null || s.isEmpty() || s.length() > 45) {
            return null;
        }
        boolean v4 = s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
        boolean v6 = s.indexOf(':') >= 0 && s.toLowerCase(Locale.ROOT).chars()
                .allMatch(c -> c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        if (v4) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return null;
            }
            byte[] out = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3 || Integer.parseInt(parts[i]) > 255) {
                    return null;
                }
                out[i] = (byte) Integer.parseInt(parts[i]);
            }
            return out;
        }
        if (!v6) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress(); // a literal: parsed, not resolved
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
