package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.metrics.AdminConfig;
import io.tether.metrics.AdminServer;
import io.tether.metrics.TetherMetrics;
import io.tether.server.ServerConfig;
import io.tether.server.TetherServer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tether status} prints the admin endpoint's summary, and says what is wrong when it cannot. */
class StatusCommandTest {
    private static final String TOKEN = "status-test-token-0123";

    @Test
    void printsTheSummaryOfARunningServer() throws Exception {
        TetherMetrics metrics = new TetherMetrics();
        TetherServer server = TetherServer.builder().config(ServerConfig.builder().port(0).workerNum(1).pingMinInterval(Duration.ZERO).build())
                .observer(metrics).build();
        metrics.bindTo(server);
        server.start();
        AdminServer admin = AdminServer.start(new AdminConfig("127.0.0.1", AdminConfig.ANY_PORT, TOKEN), metrics, server);
        try (Socket s = new Socket("127.0.0.1", server.localAddress().getPort())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (int i = 0; i < 2; i++) {
                s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).isEqualTo("pong");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionCount() == 1);

            String[] run = status("127.0.0.1:" + admin.port(), "--token", TOKEN);
            assertThat(run[0]).isEqualTo("0");
            assertThat(run[1]).contains("connections  1 live (line 1); opened 1, closed 0")
                    .contains("client pings 2 received, 0 strikes")
                    .contains("sessions     off");

            String[] refused = status("127.0.0.1:" + admin.port());
            assertThat(refused[0]).isEqualTo("1");
            assertThat(refused[2]).contains("wants its token");
        } finally {
            admin.close();
            server.close();
        }
        String[] gone = status("127.0.0.1:" + admin.port(), "--token", TOKEN);
        assertThat(gone[0]).isEqualTo("1");
        assertThat(gone[2]).contains("cannot reach");
    }

    /** Exit code, stdout, stderr. */
    private static String[] status(String... args) {
        StatusCommand cmd = new StatusCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cmd.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        cmd.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        cmd.token = null;
        int code = new CommandLine(cmd).execute(args);
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }
}
