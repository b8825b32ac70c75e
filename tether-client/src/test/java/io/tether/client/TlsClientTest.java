package io.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tether.core.backoff.Backoff;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.config.ConfigException;
import io.tether.core.transport.TlsEngine;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.session.Session;
import io.tether.testkit.tls.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** TetherClient over TLS against a TLS TetherServer: heartbeats, echo, resume, certificates that do or do not verify. */
class TlsClientTest {
    @TempDir
    static Path dir;
    static TestPki pki;

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<String> serverReceived = new CopyOnWriteArrayList<>();
    private final List<CloseInfo> serverCloses = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private TetherServer server(ServerConfig.Builder config) {
        TetherServer s = TetherServer.builder()
                .config(config.port(0).workerNum(1).sslCertFile(pki.serverChain).sslKeyFile(pki.serverKey).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message m) {
                        serverReceived.add(m.text());
                        conn.send("echo " + m.text());
                    }

                    @Override
                    public void onClose(Connection conn, CloseInfo info) {
                        serverCloses.add(info);
                    }
                }).build();
        cleanup.add(s.start());
        return s;
    }

    private static ClientConfig.Builder tls(TetherServer s) {
        return ClientConfig.builder().endpoint("localhost:" + s.localAddress().getPort()).ssl(true).sslCafile(pki.caFile)
                .backoff(Backoff.builder().initial(Duration.ofMillis(200)).max(Duration.ofMillis(200)).jitter(Backoff.Jitter.NONE).build());
    }

    private TetherClient client(ClientConfig config, Events events) {
        TetherClient c = TetherClient.builder().config(config).handler(events).listener(events).build();
        cleanup.add(c);
        return c.start();
    }

    /**
     * Heartbeats both ways over TLS keep a connection to a server with a short idle deadline: the
     * client pings every 300 ms (half the server's 600 ms), declares the server dead if 300 ms pass
     * after a ping with nothing read, and yet stays connected for 2.5 s: every ping got its pong.
     */
    @ParameterizedTest
    @EnumSource(value = TlsEngine.class, names = {"JDK", "OPENSSL"})
    void framePingPongAndEchoOverTls(TlsEngine engine) throws Exception {
        TetherServer s = server(ServerConfig.builder().sslEngine(engine).heartbeatIdleTime(Duration.ofMillis(600)).pingMinInterval(Duration.ZERO));
        Events events = new Events();
        TetherClient c = client(tls(s).sslEngine(engine).pingTimeout(Duration.ofMillis(300)).build(), events);
        await().until(() -> c.state() == ClientState.CONNECTED);
        c.send("hello").get();
        await().until(() -> events.messages.contains("echo hello"));
        Thread.sleep(2500); // the time the heartbeats must hold the connection, not a wait for a result
        assertThat(c.state()).isEqualTo(ClientState.CONNECTED);
        assertThat(events.list()).extracting(StateChange::to).containsExactly(ClientState.CONNECTING, ClientState.CONNECTED);
        assertThat(serverCloses).isEmpty();
    }

    @Test
    void linePingPongAndEchoOverTls() throws Exception {
        TetherServer s = server(ServerConfig.builder().heartbeatIdleTime(Duration.ofMillis(600)).pingMinInterval(Duration.ZERO));
        Events events = new Events();
        TetherClient c = client(tls(s).protocol(Protocol.LINE).heartbeatInterval(Duration.ofMillis(200))
                .pingTimeout(Duration.ofMillis(300)).build(), events);
        await().until(() -> c.state() == ClientState.CONNECTED);
        c.send("hello").get();
        await().until(() -> events.messages.contains("echo hello"));
        Thread.sleep(2500); // as above: pings every 200 ms must hold it past the 600 ms idle deadline
        assertThat(events.list()).extracting(StateChange::to).containsExactly(ClientState.CONNECTING, ClientState.CONNECTED);
        assertThat(serverCloses).isEmpty();
        assertThat(serverReceived).containsExactly("hello"); // pings are answered, not delivered
    }

    @Test
    void anUntrustedServerFailsTheAttemptSayingSo() {
        TetherServer s = server(ServerConfig.builder());
        Events events = new Events();
        // No sslCafile: the JDK's trust store, which does not hold the test CA.
        client(ClientConfig.builder().endpoint("localhost:" + s.localAddress().getPort()).ssl(true)
                .backoff(Backoff.builder().maxAttempts(1).build()).build(), events);
        await().until(() -> events.first(ClientState.RECONNECTING, 0) != null);
        Throwable cause = events.first(ClientState.RECONNECTING, 0).value().cause();
        assertThat(cause).isInstanceOf(TlsHandshakeException.class)
                .hasMessageStartingWith("TLS handshake with localhost:" + s.localAddress().getPort()
                        + " failed: the server's certificate is not trusted (give its CA with sslCafile, or check the endpoint): ")
                .hasMessageContaining("unable to find valid certification path");
        assertThat(events.first(ClientState.CONNECTED, 0)).isNull();
        // maxAttempts(1) still allows the one reconnect attempt: one or two refused connections.
        await().until(() -> !serverCloses.isEmpty());
        assertThat(serverCloses).extracting(CloseInfo::reason).containsOnly(CloseReason.PROTOCOL_ERROR);
    }

    @Test
    void aCertificateForAnotherNameFailsHostNameVerification() {
        TetherServer s = server(ServerConfig.builder());
        Events events = new Events();
        client(tls(s).sslHostName("tether.example.com").build(), events);
        await().until(() -> events.first(ClientState.RECONNECTING, 0) != null);
        assertThat(events.first(ClientState.RECONNECTING, 0).value().cause()).isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("the server's certificate is not for 'tether.example.com'");
    }

    @ParameterizedTest
    @EnumSource(value = TlsEngine.class, names = {"JDK", "OPENSSL"})
    void clientCertificates(TlsEngine engine) {
        TetherServer s = server(ServerConfig.builder().sslEngine(engine).sslVerifyPeer(true).sslClientCertFile(pki.clientCaFile));
        Events without = new Events();
        client(tls(s).build(), without);
        await().until(() -> without.first(ClientState.RECONNECTING, 0) != null);
        assertThat(without.first(ClientState.RECONNECTING, 0).value().cause()).isInstanceOf(TlsHandshakeException.class)
                .hasMessageContaining("the server refused this client's certificate or its lack of one");
        assertThat(without.first(ClientState.CONNECTED, 0)).isNull();
        await().until(() -> !serverCloses.isEmpty());
        assertThat(serverCloses.get(0).reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(serverCloses.get(0).detail()).startsWith("TLS handshake failed: the client sent no certificate");

        Events with = new Events();
        TetherClient c = client(tls(s).sslCertFile(pki.clientChain).sslKeyFile(pki.clientKey).build(), with);
        await().until(() -> c.state() == ClientState.CONNECTED);
        c.send("with a certificate").join();
        await().until(() -> with.messages.contains("echo with a certificate"));
    }

    /** ClientResumeTest's blip over TLS: the server resets the connection, the client resumes, nothing lost or repeated. */
    @Test
    void sessionResumesOverTls() throws Exception {
        TetherServer s = server(ServerConfig.builder().openSessions(true).sessionResumeWindow(Duration.ofSeconds(10)));
        Events events = new Events();
        TetherClient c = client(tls(s).resume(true).build(), events);
        await().until(() -> c.state() == ClientState.CONNECTED && s.sessions().count() == 1);
        Session session = s.sessions().all().iterator().next();
        for (int i = 1; i <= 5; i++) {
            c.send("c" + i).get(); // completes on the server's ACK
        }
        for (int i = 1; i <= 3; i++) {
            session.send("s" + i);
        }
        await().until(() -> events.messages.stream().filter(m -> m.startsWith("s")).count() == 3);

        ClientResumeTest.reset(s.connections().iterator().next()); // RST from the server, no CLOSE frame
        await().until(() -> session.state() == Session.State.DETACHED);
        session.send("s4"); // while detached: replayed after the resume
        session.send("s5");
        List<CompletableFuture<Void>> later = List.of(c.send("c6"), c.send("c7")); // queued while reconnecting

        await().until(() -> session.state() == Session.State.ATTACHED);
        CompletableFuture.allOf(later.toArray(CompletableFuture[]::new)).get();
        await().until(() -> serverReceived.size() == 7 && events.messages.stream().filter(m -> m.startsWith("s")).count() == 5);
        assertThat(serverReceived).containsExactly("c1", "c2", "c3", "c4", "c5", "c6", "c7");
        assertThat(events.messages.stream().filter(m -> m.startsWith("s"))).containsExactly("s1", "s2", "s3", "s4", "s5");
        assertThat(session.resumes()).isEqualTo(1);
        assertThat(s.sessions().count()).isEqualTo(1);
    }

    @Test
    void wrongFilesAreRefusedWhenTheConfigIsBuilt() {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> ClientConfig.builder().endpoint("localhost:1").ssl(true).sslCafile(missing).build())
                .isInstanceOf(ConfigException.class).hasMessage("sslCafile: " + missing + " does not exist");
        assertThatThrownBy(() -> ClientConfig.builder().endpoint("localhost:1").ssl(true).sslCertFile(pki.clientChain)
                .sslKeyFile(pki.serverKey).build())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("sslKeyFile: " + pki.serverKey + " is not the private key of the certificate");
        assertThatThrownBy(() -> ClientConfig.builder().endpoint("localhost:1").sslCafile(pki.caFile).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("an ssl option is set but ssl is off: call ssl(true) to speak TLS");
    }
}
