package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.testkit.Requires;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * tether.js outside the browser: its unit tests under {@code node --test}, and Node.js running
 * {@code tether-node-check.mjs} against a server
 * (Node 20 needs {@code --experimental-websocket} for its WebSocket; 22 has it). The client
 * connects over tether.v1, fits its heartbeat to the WELCOME, gets three acknowledged messages'
 * echoes and a round trip, and closes.
 */
@Requires(binaries = "node")
class TetherJsNodeTest {
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void tetherJsConnectsSendsAndResumesNothingLostOnNode() throws Exception {
        server = TetherServer.builder().config(ServerConfig.builder().port(0).openWebsocketProtocol(true).openSessions(true)
                .heartbeatIdleTime(Duration.ofSeconds(4)).build()).handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message m) {
                        conn.send("echo " + m.text());
                    }
                }).build().start();
        String version = run(List.of("node", "--version"), 10).trim();
        int major = Integer.parseInt(version.substring(1, version.indexOf('.')));
        List<String> cmd = new ArrayList<>(List.of("node"));
        if (major < 22) {
            cmd.add("--experimental-websocket");
        }
        cmd.addAll(List.of(Path.of("src/test/resources/tether-node-check.mjs").toString(),
                Path.of("..", "tether-js", "tether.js").toAbsolutePath().normalize().toUri().toString(),
                "ws://127.0.0.1:" + server.localAddress().getPort() + "/ws"));
        String out = run(cmd, 30);
        String json = out.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(out));
        assertThat(json).contains("\"got\":[\"echo a\",\"echo b\",\"echo c\"]")
                .contains("\"heartbeatMs\":1000") // its 1 s, under half the server's 4 s idle timeout
                .contains("\"states\":[\"connecting:start\",\"open:connected\",\"closed:closed by client\"]")
                .containsPattern("\"rtt\":\\d+");
    }

    /** tether-js/test/tether.test.mjs: the client's logic against a scripted WebSocket (heartbeat, queue, dead server, backoff, resume, gap, online). */
    @Test
    void tetherJsUnitTestsPass() throws Exception {
        String out = run(List.of("node", "--test", Path.of("..", "tether-js", "test").toString()), 120);
        assertThat(out).contains("# fail 0").doesNotContain("not ok");
    }

    private static String run(List<String> cmd, int seconds) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " took over " + seconds + " s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
