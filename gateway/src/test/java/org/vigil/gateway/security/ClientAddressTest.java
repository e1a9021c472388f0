package org.vigil.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class ClientAddressTest {

    @Test
    void withoutTrustedProxiesForwardedForIsIgnored() {
        ClientAddress a = new ClientAddress(List.of());
        assertThat(a.resolve("192.0.2.10", List.of("203.0.113.5"))).isEqualTo("192.0.2.10");
    }

    @Test
    void behindATrustedProxyTheClientIsTheFirstUntrustedHopFromTheRight() {
        ClientAddress a = new ClientAddress(List.of("10.0.0.0/8", "192.0.2.1"));
        assertThat(a.resolve("10.1.2.3", List.of("203.0.113.5"))).isEqualTo("203.0.113.5");
        // the client wrote the leftmost entries itself: they are not believed
        assertThat(a.resolve("10.1.2.3", List.of("1.2.3.4, 203.0.113.5"))).isEqualTo("203.0.113.5");
        // two proxies (one trusted hop inside another): past both
        assertThat(a.resolve("10.1.2.3", List.of("1.2.3.4, 198.51.100.9", "192.0.2.1"))).isEqualTo("198.51.100.9");
        assertThat(a.resolve("10.1.2.3", List.of("198.51.100.9:4711"))).isEqualTo("198.51.100.9");
        // a request that did not come through the proxy names whom it likes, and is not believed
        assertThat(a.resolve("203.0.113.99", List.of("10.0.0.1"))).isEqualTo("203.0.113.99");
        // garbage stops the walk at the last trustworthy address
        assertThat(a.resolve("10.1.2.3", List.of("evil.example"))).isEqualTo("10.1.2.3");
    }

    @Test
    void ipv6ClientsAreCountedByTheirSlash64() {
        assertThat(ClientAddress.key("2001:db8:1:2:aaaa::1")).isEqualTo(ClientAddress.key("2001:db8:1:2:bbbb::9"))
                .isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientAddress.key("192.0.2.1")).isEqualTo("192.0.2.1");
    }

    @Test
    void aBadTrustedProxyEntryIsAClearError() {
        assertThatThrownBy(() -> new ClientAddress(List.of("proxy.internal"))).hasMessageContaining("proxy.internal")
                .hasMessageContaining("not an IP address");
        assertThatThrownBy(() -> new ClientAddress(List.of("10.0.0.0/33"))).hasMessageContaining("prefix length");
    }
}
