package io.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The client's settings carry the server's names; the old names still work until the next release. */
class ClientConfigTest {

    private static ClientConfig.Builder base() {
        return ClientConfig.builder().endpoint("127.0.0.1:9501");
    }

    @Test
    void keepaliveAndPackageMaxLengthHaveTheServersNames() {
        ClientConfig c = base().openTcpKeepalive(true).packageMaxLength(4096).build();
        assertThat(c.openTcpKeepalive()).isTrue();
        assertThat(c.packageMaxLength()).isEqualTo(4096);
        assertThat(c.toBuilder().build().openTcpKeepalive()).isTrue();
        assertThat(c.toBuilder().build().packageMaxLength()).isEqualTo(4096);
        ClientConfig d = base().build();
        assertThat(d.openTcpKeepalive()).isFalse();
        assertThat(d.packageMaxLength()).isEqualTo(16 * 1024 * 1024);
        assertThatThrownBy(() -> base().packageMaxLength(63).build()).hasMessageContaining("packageMaxLength must be >= 64");
    }

    @Test
    @SuppressWarnings("deprecation")
    void theOldNamesSetTheSameSettings() {
        ClientConfig c = base().tcpKeepalive(true).maxFrameLength(4096).build();
        assertThat(c.openTcpKeepalive()).isTrue();
        assertThat(c.packageMaxLength()).isEqualTo(4096);
        assertThat(c.tcpKeepalive()).isTrue();
        assertThat(c.maxFrameLength()).isEqualTo(4096);
    }
}
