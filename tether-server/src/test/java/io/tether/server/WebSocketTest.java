package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.testkit.tls.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSocket on the server's port (framing auto, open_websocket_protocol), driven by the JDK's own
 * WebSocket client and, where it must misbehave (FIN, RST, byte-exact frames), by {@link RawWs}:
 * messages reach the handler, every liveness layer applies, and each way out has its reason and
 * its WebSocket close code.
 */
class WebSocketTest {
    private final Recorder events = new Recorder();
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private TetherServer start(ServerConfig.Builder config) {
        server = TetherServer.builder().config(config.port(0).openWebsocketProtocol(true).build()).handler(events).build().start();
        return server;
    }

    private CloseInfo onlyClose() {
        await().until(() -> events.connects.size() == 1 && events.closes.containsKey(events.connects.get(0)));
        return events.onlyClose(events.connects.get(0));
    }

    @Test
    void textAndBinaryMessagesReachTheHandlerAndComeBackAsTheyWent() throws Exception {
        events.echo = true;
        start(ServerConfig.builder());
        try (WsClient ws = WsClient.connect(server)) {
            ws.text("hello");
            ws.binary(new byte[] {0, 1, 2, (byte) 0xFF});
            await().until(() -> ws.received.size() == 2);
            // The handler saw both as messages; a UTF-8 message goes back as text, anything else as binary.
            assertThat(events.received.get(events.connects.get(0))).hasSize(2).first().isEqualTo("hello");
            assertThat(ws.received).containsExactly("text:hello", "binary:000102ff");
            assertThat(server.connection(events.connects.get(0)).framing()).isEqualTo(Framing.WEBSOCKET);
        }
    }

    @Test
    void aPingTextIsAnsweredPongAndNotDelivered() throws Exception {
        start(ServerConfig.builder());
        try (WsClient ws = WsClient.connect(server)) {
            ws.text("ping");
            ws.text("not a ping");
            await().until(() -> ws.received.size() == 1 && events.received.containsKey(events.connects.get(0)));
            assertThat(ws.received).containsExactly("text:pong");
            assertThat(events.received.get(events.connects.get(0))).containsExactly("not a ping");
        }
    }

    @Test
    void aFloodOfPingTextsIsToldThenClosedWith4011ByThePingRate() throws Exception {
        start(ServerConfig.builder().pingMinInterval(Duration.ofSeconds(10)).pingBurst(2).pingStrikes(1));
        try (RawWs r = RawWs.open(server, "")) {
            // Pipelined in one write: the first is free, 2 from the burst, the 4th over (notice), the 5th more than 1 over.
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < 6; i++) {
                all.writeBytes(RawWs.masked(1, "ping".getBytes(StandardCharsets.US_ASCII)));
            }
            r.socket.getOutputStream().write(all.toByteArray());
            List<String> texts = new java.util.ArrayList<>();
            RawWs.WsFrame f;
            while ((f = r.read()) != null && f.opcode() == 1) {
                texts.add(f.text());
            }
            assertThat(texts).containsExactly("pong", "pong", "pong",
                    "notice too many pings: at most one every 10000 ms after a burst of 2", "pong");
            assertThat(f.opcode()).isEqualTo(8);
            assertThat(f.closeCode()).isEqualTo(4011);
            assertThat(f.closeReason()).startsWith("too many pings: ");
        }
        assertThat(onlyClose().reason()).isEqualTo(CloseReason.TOO_MANY_PINGS);
    }

    @Test
    void aClientThatReadsNothingIsASlowConsumerByTheOutboundLimits() throws Exception {
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'x');
        server = TetherServer.builder().config(ServerConfig.builder().port(0).openWebsocketProtocol(true)
                .outboundHardLimit(1024 * 1024).build()).handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message m) {
                        for (int i = 0; i < 256; i++) { // 16 MB to a client that reads nothing: past the kernel's buffers too
                            conn.send(chunk);
                        }
                    }

                    @Override
                    public void onClose(Connection conn, CloseInfo info) {
                        events.onClose(conn, info);
                    }
                }).build().start();
        try (RawWs r = RawWs.open(server, "")) {
            r.text("flood me");
            await().atMost(Duration.ofSeconds(10)).until(() -> events.closeCount() == 1);
        }
        CloseInfo close = events.closes.values().iterator().next().get(0);
        assertThat(close.reason()).isEqualTo(CloseReason.SLOW_CONSUMER);
        assertThat(close.detail()).contains("outbound_hard_limit 1048576");
    }

    @Test
    void anOversizedMessageClosesWith1009AndAReason() throws Exception {
        start(ServerConfig.builder().packageMaxLength(1024));
        try (WsClient ws = WsClient.connect(server)) {
            ws.text("x".repeat(1024)); // exactly the limit: delivered
            ws.text("y".repeat(1025));
            assertThat(ws.awaitClose(10)).isEqualTo(1009);
            assertThat(ws.closeReason).isEqualTo("protocol error: WebSocket message over package_max_length 1024");
        }
        CloseInfo close = onlyClose();
        assertThat(close.reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(events.received.get(events.connects.get(0))).containsExactly("x".repeat(1024));
    }

    @Test
    void aFragmentedMessageIsOneMessageAndItsWholeLengthCounts() throws Exception {
        start(ServerConfig.builder().packageMaxLength(1024));
        try (WsClient ws = WsClient.connect(server)) {
            ws.ws.sendText("frag", false).join();
            ws.ws.sendText("ment", false).join();
            ws.ws.sendText("ed", true).join();
            ws.ws.sendBinary(ByteBuffer.wrap(new byte[600]), false).join();
            ws.ws.sendBinary(ByteBuffer.wrap(new byte[600]), true).join(); // 1,200 bytes in all: over 1,024
            assertThat(ws.awaitClose(10)).isEqualTo(1009);
            assertThat(ws.closeReason).isEqualTo("protocol error: WebSocket message over package_max_length 1024");
        }
        assertThat(events.received.get(events.connects.get(0))).containsExactly("fragmented");
    }

    @Test
    void aSilentClientIsClosedByTheIdleDeadlineWithCode4002() throws Exception {
        start(ServerConfig.builder().heartbeatIdleTime(Duration.ofSeconds(2)));
        try (WsClient ws = WsClient.connect(server)) { // the JDK client never pings on its own
            assertThat(ws.awaitClose(10)).isEqualTo(4002);
            assertThat(ws.closeReason).startsWith("idle timeout: nothing received for ");
            long ms = (ws.closedAtNanos - ws.connectedAtNanos) / 1_000_000;
            // Bound: heartbeat_idle_time 2 s from the last byte (the upgrade request, just before
            // connectedAt); tolerance -50 ms for the wheel's tick and clocks, +1 s for a loaded machine.
            assertThat(ms).isBetween(1950L, 3000L);
        }
        assertThat(onlyClose().reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
    }

    @Test
    void serverPingsAreWebSocketPingsAndThePongsKeepASilentClientAlive() throws Exception {
        start(ServerConfig.builder().heartbeatIdleTime(Duration.ofSeconds(1)).serverPingInterval(Duration.ofMillis(300))
                .serverPingTimeout(Duration.ofMillis(500)));
        try (WsClient ws = WsClient.connect(server)) {
            // 3 idle times: the client sends nothing but the pongs the JDK answers the server's pings with.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !ws.closeCode.isDone());
            assertThat(ws.pings.get()).as("pings over 3 s at a 300 ms interval").isGreaterThanOrEqualTo(3);
            assertThat(events.closes).isEmpty();
        }
    }

    @Test
    void aClientsPingFrameIsAnsweredWithItsPayload() throws Exception {
        start(ServerConfig.builder());
        try (WsClient ws = WsClient.connect(server)) {
            ws.ws.sendPing(ByteBuffer.wrap("probe".getBytes(StandardCharsets.UTF_8))).join();
            await().until(() -> ws.pongs.size() == 1);
            assertThat(StandardCharsets.UTF_8.decode(ws.pongs.get(0)).toString()).isEqualTo("probe");
        }
    }

    @Test
    void anOriginNotAllowedIsRefusedWith403BeforeTheUpgrade() throws Exception {
        start(ServerConfig.builder().websocketOrigins("https://good.example, http://localhost:8080"));
        assertThatThrownBy(() -> WsClient.connect(WsClient.uri(server, "/ws"), null, "https://evil.example"))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(403));
        assertThat(onlyClose().detail()).isEqualTo("WebSocket origin https://evil.example not in websocket_origins");
        try (WsClient ok = WsClient.connect(WsClient.uri(server, "/ws"), null, "http://localhost:8080")) {
            ok.text("ping");
            await().until(() -> ok.received.contains("text:pong"));
        }
    }

    @Test
    void aWrongPathGets404AndAPlainGetOrAnOldVersionGets426() throws Exception {
        start(ServerConfig.builder());
        try (RawWs r = new RawWs(server.localAddress(), RawWs.upgrade("/other", ""))) {
            assertThat(r.response).startsWith("HTTP/1.1 404");
        }
        try (RawWs r = new RawWs(server.localAddress(), "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")) {
            assertThat(r.response).startsWith("HTTP/1.1 426");
        }
        try (RawWs r = new RawWs(server.localAddress(), RawWs.upgrade("/ws", "").replace("Version: 13", "Version: 99"))) {
            assertThat(r.response).startsWith("HTTP/1.1 426").contains("sec-websocket-version: 13");
        }
        await().until(() -> events.closeCount() == 3);
        assertThat(events.closes.values()).allSatisfy(l -> assertThat(l.get(0).reason()).isEqualTo(CloseReason.PROTOCOL_ERROR));
    }

    @Test
    void theBrowserClientAndGivenFilesAreServedByGet() throws Exception {
        server = TetherServer.builder().config(ServerConfig.builder().port(0).openWebsocketProtocol(true).build()).handler(events)
                .httpFile("/", "text/html; charset=utf-8", "<p>hi</p>".getBytes(StandardCharsets.UTF_8)).build().start();
        try (RawWs r = new RawWs(server.localAddress(), "GET /tether.js HTTP/1.1\r\nHost: x\r\n\r\n")) {
            assertThat(r.response).startsWith("HTTP/1.1 200").contains("content-type: text/javascript");
            String body = new String(r.socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(body).contains("export class TetherClient");
        }
        try (RawWs r = new RawWs(server.localAddress(), "GET /?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")) {
            assertThat(r.response).startsWith("HTTP/1.1 200").contains("content-length: 9");
            assertThat(new String(r.socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("<p>hi</p>");
        }
        await().until(() -> events.closeCount() == 2);
        assertThat(events.closes.values()).allSatisfy(l -> assertThat(l.get(0).reason()).isEqualTo(CloseReason.CLOSED_BY_SERVER));
    }

    @Test
    void anUpgradeOrAHelloNotFinishedWithinHandshakeTimeoutIsRefused() throws Exception {
        start(ServerConfig.builder().handshakeTimeout(Duration.ofMillis(500)));
        try (RawWs r = new RawWs(server.localAddress(), "GET /ws HTTP/1.1\r\nHost: x\r\n")) { // the head never ends
            assertThat(r.response).startsWith("HTTP/1.1 400")
                    .endsWith("\r\n\r\n"); // the head; the body says why
            assertThat(new String(r.socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("protocol error: handshake_timeout: no WebSocket upgrade within 500 ms\n");
        }
        try (WsClient framed = WsClient.connect(WsClient.uri(server, "/ws"), "tether.v1", null)) { // upgraded, no HELLO
            assertThat(framed.awaitClose(10)).isEqualTo(4008);
            assertThat(framed.closeReason).isEqualTo("protocol error: handshake_timeout: no HELLO within 500 ms");
        }
    }

    @Test
    void underFramingWebsocketOnlyWebSocketClientsAreServed() throws Exception {
        events.echo = true;
        server = TetherServer.builder().config(ServerConfig.builder().port(0).framing(Framing.WEBSOCKET).build()).handler(events).build().start();
        try (WsClient ws = WsClient.connect(server)) {
            ws.text("hi");
            await().until(() -> ws.received.contains("text:hi"));
        }
        try (TestClient line = TestClient.line(server)) {
            line.sendLine("hello");
            assertThat(line.readLine()).startsWith("HTTP/1.1 400");
        }
    }

    @Test
    void wssRunsOnTheSameTlsAsEveryOtherConnection(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir);
        events.echo = true;
        start(ServerConfig.builder().sslCertFile(pki.serverChain).sslKeyFile(pki.serverKey).heartbeatIdleTime(Duration.ofSeconds(1)));
        HttpClient https = HttpClient.newBuilder().sslContext(pki.jdkClientContext(false)).build();
        try (WsClient ws = WsClient.connect(https, URI.create("wss://127.0.0.1:" + server.localAddress().getPort() + "/ws"))) {
            ws.text("over TLS");
            await().until(() -> ws.received.contains("text:over TLS"));
            assertThat(ws.awaitClose(10)).as("and the idle deadline still applies").isEqualTo(4002);
        }
    }

    @Test
    void aFrameBegunAndNotFinishedWithinPackageTimeoutIsClosedThoughItsBytesAreLife() throws Exception {
        start(ServerConfig.builder().packageTimeout(Duration.ofMillis(600)).heartbeatIdleTime(Duration.ofMillis(400)));
        try (RawWs r = RawWs.open(server, "")) {
            byte[] frame = RawWs.masked(1, "x".repeat(100).getBytes(StandardCharsets.US_ASCII));
            long t0 = System.nanoTime();
            // A byte every 100 ms: life for the 400 ms idle deadline, never a whole frame.
            for (int i = 0; i < 20 && !r.socket.isInputShutdown(); i++) {
                try {
                    r.socket.getOutputStream().write(frame[i]);
                } catch (java.io.IOException closed) {
                    break;
                }
                Thread.sleep(100);
                if (r.socket.getInputStream().available() > 0) {
                    break;
                }
            }
            RawWs.WsFrame close = r.read();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(close.opcode()).isEqualTo(8);
            assertThat(close.closeCode()).isEqualTo(4008);
            assertThat(close.closeReason()).startsWith("protocol error: package_timeout: WebSocket frame (header read, ");
            // Bound: package_timeout 600 ms from the first byte; tolerance -50 ms, +1 s for a loaded machine.
            assertThat(ms).isBetween(550L, 1600L);
        }
        assertThat(onlyClose().reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
    }

    @Test
    void permessageDeflateIsOfferedOnlyWhenWebsocketCompressionIsOn() throws Exception {
        events.echo = true;
        start(ServerConfig.builder().websocketCompression(true));
        try (RawWs r = RawWs.open(server, "Sec-WebSocket-Extensions: permessage-deflate\r\n")) {
            assertThat(r.response).containsIgnoringCase("sec-websocket-extensions: permessage-deflate");
            r.text("x".repeat(500)); // sent uncompressed (allowed), echoed compressed
            RawWs.WsFrame echo = r.read();
            assertThat(echo.opcode()).isEqualTo(1);
            assertThat(r.lastFirstByte & 0x40).as("RSV1: a compressed message").isEqualTo(0x40);
            assertThat(echo.payload().length).isLessThan(50);
        }
        server.close();
        start(ServerConfig.builder());
        try (RawWs r = RawWs.open(server, "Sec-WebSocket-Extensions: permessage-deflate\r\n")) {
            assertThat(r.response).doesNotContainIgnoringCase("sec-websocket-extensions");
        }
    }

    @Test
    void aLineClientAndAWebSocketClientShareOnePortUnderFramingAuto() throws Exception {
        events.echo = true;
        start(ServerConfig.builder());
        try (TestClient line = TestClient.line(server); WsClient ws = WsClient.connect(server); TestClient frame = TestClient.frame(server)) {
            line.sendLine("GETTING on"); // only a first line beginning "GET " is taken for HTTP
            ws.text("from the browser");
            line.sendLine("from nc");
            assertThat(line.readLine()).isEqualTo("GETTING on");
            assertThat(line.readLine()).isEqualTo("from nc");
            await().until(() -> ws.received.size() == 1);
            assertThat(ws.received).containsExactly("text:from the browser");
            assertThat(frame.welcome).isNotNull();
        }
    }

    @Test
    void aCloseFrameIsPeerClosedWithItsCodeAndIsAnsweredWithOne() throws Exception {
        start(ServerConfig.builder());
        try (RawWs r = RawWs.open(server, "")) {
            byte[] payload = {(byte) 0x03, (byte) 0xE9, 't', 'a', 'b'}; // 1001 going away, as a closing tab sends
            r.send(8, payload);
            RawWs.WsFrame echo = r.read();
            assertThat(echo.opcode()).isEqualTo(8);
            assertThat(echo.closeCode()).isEqualTo(1001);
            assertThat(r.read()).as("then the server closes").isNull();
        }
        CloseInfo close = onlyClose();
        assertThat(close.reason()).isEqualTo(CloseReason.PEER_CLOSED);
        assertThat(close.detail()).isEqualTo("WebSocket close 1001 (going away): tab");
    }

    @Test
    void aFinWithoutACloseFrameIsPeerClosedAndAnRstIsPeerReset() throws Exception {
        start(ServerConfig.builder());
        try (RawWs fin = RawWs.open(server, "")) {
            fin.text("last words");
            fin.socket.shutdownOutput();
            RawWs.WsFrame last = fin.read();
            assertThat(last.opcode()).as("a close frame, then the server's FIN").isEqualTo(8);
            assertThat(last.closeCode()).isEqualTo(1000);
            assertThat(fin.read()).isNull();
        }
        await().until(() -> events.closeCount() == 1);
        long first = events.connects.get(0);
        assertThat(events.onlyClose(first).reason()).isEqualTo(CloseReason.PEER_CLOSED);
        assertThat(events.received.get(first)).containsExactly("last words");
        RawWs rst = RawWs.open(server, "");
        await().until(() -> events.connects.size() == 2);
        rst.reset();
        try (RawWs r = new RawWs(server.localAddress(), RawWs.upgrade("/ws", "").replace("Version: 13", "Version: 99"))) {
            assertThat(r.response).startsWith("HTTP/1.1 426").contains("sec-websocket-version: 13");
        }
        await().until(() -> events.closeCount() == 3);
        assertThat(events.onlyClose(events.connects.get(1)).reason()).isEqualTo(CloseReason.PEER_RESET);
    }

    @Test
    void shutdownClosesWith4009AndTheApplicationsCloseWith4006() throws Exception {
        start(ServerConfig.builder());
        try (WsClient a = WsClient.connect(server); WsClient b = WsClient.connect(server)) {
            await().until(() -> events.connects.size() == 2);
            server.connection(events.connects.get(0)).close();
            assertThat(a.awaitClose(10)).isEqualTo(4006);
            assertThat(a.closeReason).isEqualTo("closed by server");
            server.close();
            assertThat(b.awaitClose(10)).isEqualTo(4009);
            assertThat(b.closeReason).isEqualTo("shutdown");
        }
        List<CloseInfo> all = events.closes.values().stream().map(l -> l.get(0)).toList();
        assertThat(all).extracting(CloseInfo::reason).containsExactlyInAnyOrder(CloseReason.CLOSED_BY_SERVER, CloseReason.SHUTDOWN);
    }
}
