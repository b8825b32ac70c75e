package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.client.ClientState;
import io.tether.client.StateChange;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import io.tether.testkit.tls.TestPki;
import org.junit.jupiter.api.io.TempDir;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ClientCommandTest {
    private static final InetSocketAddress A = InetSocketAddress.createUnresolved("127.0.0.1", 9501);
    private static final InetSocketAddress B = InetSocketAddress.createUnresolved("127.0.0.1", 9502);

    @Test
    void statusLinesReadAsTheIssueAsks() {
        assertThat(ClientCommand.describe(new StateChange(ClientState.CONNECTING, ClientState.CONNECTED, A, 0, null, null, 0,
                Duration.ZERO), 2)).isEqualTo("connected to 127.0.0.1:9501");
        CloseInfo silent = new CloseInfo(CloseReason.PING_TIMEOUT, Duration.ofMillis(3040), "no answer to PING #3 within 1000 ms");
        assertThat(ClientCommand.describe(new StateChange(ClientState.CONNECTED, ClientState.RECONNECTING, B, 1, silent, null, 1,
                Duration.ofMillis(230)), 2)).isEqualTo("server silent for 3.0 s (no answer to PING #3 within 1000 ms)\n"
                + "reconnecting: attempt 1 in 0.2 s to 127.0.0.1:9502");
        assertThat(ClientCommand.describe(new StateChange(ClientState.RECONNECTING, ClientState.RECONNECTING, A, 0, null,
                new java.net.ConnectException("Connection refused"), 2, Duration.ofMillis(1300)), 1))
                .isEqualTo("attempt failed: Connection refused\nreconnecting: attempt 2 in 1.3 s");
        assertThat(ClientCommand.brief(new java.io.IOException(
                "finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:19503"))).isEqualTo("Connection refused");
        assertThat(ClientCommand.brief(new java.io.IOException(
                "finishConnect(..) failed with error(-111): Connection refused: 127.0.0.1/127.0.0.1:1"))).isEqualTo("Connection refused");
        CloseInfo told = new CloseInfo(CloseReason.CLOSED_BY_SERVER, Duration.ZERO, "bye\u001b[2J\r09:00 fake");
        assertThat(ClientCommand.describe(new StateChange(ClientState.CONNECTED, ClientState.DISCONNECTED, A, 0, told, null, 0,
                Duration.ZERO), 1)).startsWith("connection lost: closed by server (silent 0.000 s; bye\\x1b[2J\\r09:00 fake)\n");
        assertThat(ClientCommand.describe(new StateChange(ClientState.RECONNECTING, ClientState.CONNECTED, B, 1, null, null, 0,
                Duration.ZERO), 2)).isEqualTo("connected to the second endpoint 127.0.0.1:9502");
    }

    @Test
    void sendsStdinLinesAndPrintsMessages() {
        TetherServer server = echoServer(ServerConfig.builder());
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            String ep = "127.0.0.1:" + server.localAddress().getPort();
            // --quit-after 1s: after stdin ends, wait up to a second for the echoes, then quit.
            int rc = run("one\ntwo\n", out, err, ep, "--quit-after", "1s");
            assertThat(rc).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("echo one\necho two\n");
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("connecting to " + ep, "connected to " + ep, "closed");
        } finally {
            server.close();
        }
    }

    @Test
    void keepaliveFlagHasTheServersNameAndTheOldOneStillWorks() {
        for (String flag : new String[] {"--open-tcp-keepalive", "--tcp-keepalive"}) {
            ClientCommand cmd = new ClientCommand();
            new CommandLine(cmd).parseArgs("127.0.0.1:9501", flag);
            assertThat(cmd.config().openTcpKeepalive()).as(flag).isTrue();
        }
        ClientCommand none = new ClientCommand();
        new CommandLine(none).parseArgs("127.0.0.1:9501");
        assertThat(none.config().openTcpKeepalive()).isFalse();
    }

    @Test
    void resumeAndConfirmAreOnAndNoResumeTurnsResumeOff() {
        ClientCommand plain = new ClientCommand();
        new CommandLine(plain).parseArgs("127.0.0.1:9501");
        assertThat(plain.config().resume()).isTrue();
        assertThat(plain.config().confirm()).isTrue();
        ClientCommand noResume = new ClientCommand();
        new CommandLine(noResume).parseArgs("127.0.0.1:9501", "--no-resume");
        assertThat(noResume.config().resume()).isFalse();
        assertThat(noResume.config().confirm()).as("lines are then confirmed by pings").isTrue();
        ClientCommand line = new ClientCommand();
        new CommandLine(line).parseArgs("127.0.0.1:9501", "--line");
        assertThat(line.config().resume()).as("no sessions in the line protocol").isFalse();
        assertThat(line.config().confirm()).isTrue();
    }

    @Test
    void aLineNotConfirmedIsPrintedEscapedAndCutWithItsCause() {
        Throwable cause = new java.util.concurrent.CompletionException(
                new io.tether.client.ConnectionLostException("message of 5 bytes not confirmed: connection lost", null));
        assertThat(ClientCommand.notConfirmed("hi[2J", cause))
                .isEqualTo("not confirmed: hi\\x1b[2J: message of 5 bytes not confirmed: connection lost");
        String shown = ClientCommand.notConfirmed("x".repeat(1000), cause);
        assertThat(shown).isEqualTo("not confirmed: " + "x".repeat(200) + "... (1000 bytes): message of 5 bytes not confirmed: connection lost");
    }

    /** tether client --ssl --ssl-cafile against a TLS server: the echo comes back; without the CA the attempt fails saying why. */
    @Test
    void speaksTls(@TempDir Path dir) {
        TestPki pki = TestPki.create(dir);
        TetherServer server = echoServer(ServerConfig.builder().sslCertFile(pki.serverChain).sslKeyFile(pki.serverKey));
        try {
            String ep = "localhost:" + server.localAddress().getPort();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertThat(run("one\n", out, err, ep, "--ssl", "--ssl-cafile", pki.caFile.toString(), "--quit-after", "1s")).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("echo one\n");

            ByteArrayOutputStream err2 = new ByteArrayOutputStream();
            // Without --ssl-cafile the JDK's trust store is used, which does not hold the test CA.
            run("two\n", new ByteArrayOutputStream(), err2, ep, "--ssl", "--max-attempts", "1", "--quit-after", "2s");
            assertThat(err2.toString(StandardCharsets.UTF_8)).contains("TLS handshake with " + ep
                    + " failed: the server's certificate is not trusted (give its CA with sslCafile, or check the endpoint)");
        } finally {
            server.close();
        }
    }

    /** A started server on a free port that answers each message with "echo " and the message. */
    private static TetherServer echoServer(ServerConfig.Builder config) {
        return TetherServer.builder().config(config.port(0).workerNum(1).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message message) {
                        conn.send("echo " + message.text());
                    }
                }).build().start();
    }

    private static int run(String stdin, ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        ClientCommand cmd = new ClientCommand();
        cmd.handleSignals = false;
        cmd.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        cmd.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        cmd.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        return new CommandLine(cmd).execute(args);
    }

    @Test
    void refusesABadOption() {
        ClientCommand cmd = new ClientCommand();
        cmd.handleSignals = false;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cmd.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        int rc = new CommandLine(cmd).execute("127.0.0.1:9501", "--heartbeat", "soon");
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--heartbeat: 'soon' is not a duration");
    }
}
