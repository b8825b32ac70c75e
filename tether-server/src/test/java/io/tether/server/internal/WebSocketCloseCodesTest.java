package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.core.close.CloseReason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Tether close codes on WebSocket: 1000 + n is 4000 + n both ways, and a reason fits a close frame. */
class WebSocketCloseCodesTest {

    @Test
    void everyTetherCodeMapsTo4000PlusNAndBack() {
        for (CloseReason r : CloseReason.values()) {
            int ws = WebSocketCloseCodes.toWebSocket(r.code());
            assertThat(ws).isEqualTo(r.code() + 3000).isBetween(4000, 4999);
            assertThat(WebSocketCloseCodes.toTether(ws)).isEqualTo(r.code());
        }
        assertThat(WebSocketCloseCodes.toWebSocket(1104)).isEqualTo(4104);
        assertThat(WebSocketCloseCodes.toTether(1001)).as("WebSocket's own codes are not Tether's").isZero();
    }

    @Test
    void describeNamesTetherAndWebSocketCodes() {
        assertThat(WebSocketCloseCodes.describe(4007)).isEqualTo("4007 (closed by client)");
        assertThat(WebSocketCloseCodes.describe(1001)).isEqualTo("1001 (going away)");
        assertThat(WebSocketCloseCodes.describe(4321)).isEqualTo("4321");
    }

    @Test
    void aLongReasonIsCutOnACharacterBoundaryWithin123Bytes() {
        String ascii = "x".repeat(200);
        assertThat(WebSocketCloseCodes.reasonText(ascii)).hasSize(123).endsWith("...");
        String euros = "€".repeat(60); // 3 bytes each: 180 bytes
        String cut = WebSocketCloseCodes.reasonText(euros);
        assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(123);
        assertThat(cut).startsWith("€€€").endsWith("€...").doesNotContain("\uFFFD");
        assertThat(WebSocketCloseCodes.reasonText("short")).isEqualTo("short");
    }
}
