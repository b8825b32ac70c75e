package io.tether.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tether.core.config.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The admin keys: off by default, loopback by default, and no endpoint elsewhere without a token. */
class AdminConfigTest {

    @Test
    void absentOrZeroPortIsOff() {
        assertThat(AdminConfig.fromConfig(Map.of(), null).enabled()).isFalse();
        assertThat(AdminConfig.fromConfig(Map.of("admin_port", 0), null).enabled()).isFalse();
        AdminConfig on = AdminConfig.fromConfig(Map.of("admin_port", "9502"), null);
        assertThat(on.enabled()).isTrue();
        assertThat(on.host()).isEqualTo("127.0.0.1");
        assertThat(on.token()).isNull();
    }

    @Test
    void aNonLoopbackHostWithoutATokenRefusesToStart() {
        assertThatThrownBy(() -> AdminConfig.fromConfig(Map.of("admin_port", 9502, "admin_host", "0.0.0.0"), null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin_token: required")
                .hasMessageContaining("0.0.0.0");
        AdminConfig withToken = AdminConfig.fromConfig(Map.of("admin_port", 9502, "admin_host", "0.0.0.0",
                "admin_token", "0123456789abcdef"), null);
        assertThat(withToken.token()).isEqualTo("0123456789abcdef");
        assertThat(withToken.toString()).doesNotContain("0123456789abcdef");
        // The environment's token counts as given.
        assertThat(AdminConfig.fromConfig(Map.of("admin_port", 9502, "admin_host", "0.0.0.0"), "fedcba9876543210").token())
                .isEqualTo("fedcba9876543210");
        // Off, a host alone needs nothing.
        assertThat(AdminConfig.fromConfig(Map.of("admin_host", "0.0.0.0"), null).enabled()).isFalse();
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> AdminConfig.fromConfig(Map.of("admin_port", "http"), null))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("admin_port: 'http' is not a whole number");
        assertThatThrownBy(() -> AdminConfig.fromConfig(Map.of("admin_port", 70000), null))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("admin_port: 70000 is out of range");
        assertThatThrownBy(() -> AdminConfig.fromConfig(Map.of("admin_port", 9502, "admin_token", "secret"), null))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("admin_token: too short (6 characters)");
        assertThatThrownBy(() -> AdminConfig.fromConfig(Map.of("admin_prot", 9502), null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'admin_prot'")
                .hasMessageContaining("admin_port, admin_host, admin_token");
    }
}
