package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostPortTest {
    @Test
    void parsesHostAndPortIncludingBracketedIpv6() {
        assertThat(HostPort.parse("k", "127.0.0.1:6379")).isEqualTo(new HostPort("127.0.0.1", 6379));
        assertThat(HostPort.parse("k", " db.internal:3306 ")).isEqualTo(new HostPort("db.internal", 3306));
        assertThat(HostPort.parse("k", "[::1]:9501")).isEqualTo(new HostPort("::1", 9501));
        assertThat(new HostPort("::1", 9501)).hasToString("[::1]:9501");
    }
}
