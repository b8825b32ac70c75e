package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.config.ConfigException;
import io.tether.core.protocol.Frame;
import io.tether.core.transport.TlsEngine;
import io.tether.testkit.tls.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS on the server, spoken by a plain JDK {@link SSLSocket} as a client in another language would:
 * ping/pong in line and frame mode on both engines, the idle deadline, client certificates,
 * handshake failures as protocol errors, and the config refusing wrong files.
 */
class TlsServerTest {
    @TempDir
    static Path dir;
    static TestPki pki;

    private final Recorder events = new Recorder();
    private TetherServer server;

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ServerConfig.Builder tls() {
        return ServerConfig.builder().port(0).pingMinInterval(Duration.ZERO).sslCertFile(pki.serverChain).sslKeyFile(pki.serverKey);
    }

    private void start(ServerConfig.Builder config) {
        server = TetherServer.builder().config(config.build()).handler(events).build().start();
    }

    private TestClient connect(SSLContext context) throws IOException {
        InetSocketAddress a = server.localAddress();
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(a.getHostString(), a.getPort());
        s.startHandshake();
        return new TestClient(s);
    }

    private CloseInfo onlyCloseWhenDone() {
        await().atMost(Duration.ofSeconds(10)).until(() -> events.closeCount() == 1);
        return events.closes.values().iterator().next().get(0);
    }

    @ParameterizedTest
    @EnumSource(value = TlsEngine.class, names = {"JDK", "OPENSSL"})
    void linePingPongOverTls(TlsEngine engine) throws Exception {
        start(tls().sslEngine(engine));
        assertThat(server.tlsEngine()).isEqualTo(engine);
        try (TestClient c = connect(pki.jdkClientContext(false))) {
            for (int i = 0; i < 3; i++) {
                c.sendLine("ping");
                assertThat(c.readLine()).isEqualTo("pong");
            }
            c.sendLine("hello over tls");
            await().until(() -> !events.received.isEmpty());
            assertThat(events.received.values().iterator().next()).containsExactly("hello over tls");
        }
        assertThat(onlyCloseWhenDone().reason()).isIn(CloseReason.PEER_CLOSED, CloseReason.PEER_RESET);
    }

    @ParameterizedTest
    @EnumSource(value = TlsEngine.class, names = {"JDK", "OPENSSL"})
    void framePingPongOverTls(TlsEngine engine) throws Exception {
        start(tls().sslEngine(engine).framing(Framing.FRAME));
        try (TestClient c = TestClient.frame(connect(pki.jdkClientContext(false)))) {
            for (long id = 1; id <= 3; id++) {
                c.send(new Frame.Ping(id));
                assertThat(c.readFrame()).isEqualTo(new Frame.Pong(id, true, ""));
            }
        }
    }

    @Test
    void autoPicksOpenSslWhenItLoads() {
        start(tls());
        assertThat(server.tlsEngine()).isEqualTo(io.netty.handler.ssl.OpenSsl.isAvailable() ? TlsEngine.OPENSSL : TlsEngine.JDK);
    }

    @ParameterizedTest
    @EnumSource(value = TlsEngine.class, names = {"JDK", "OPENSSL"})
    void idleDeadlineSendsCloseFrameThenCloseNotify(TlsEngine engine) throws Exception {
        start(tls().sslEngine(engine).heartbeatIdleTime(Duration.ofMillis(400)).pingMinInterval(Duration.ZERO));
        try (TestClient c = TestClient.frame(connect(pki.jdkClientContext(false)))) {
            // Silent from here: the CLOSE frame arrives encrypted, then close_notify ends the stream (EOF, not a reset).
            Frame close = c.readFrame();
            assertThat(close).isInstanceOf(Frame.Close.class);
            assertThat(((Frame.Close) close).code()).isEqualTo(CloseReason.IDLE_TIMEOUT.code());
            assertThat(c.socket.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(onlyCloseWhenDone().reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
    }

    @Test
    void idleDeadlineClosesASilentLineClient() throws Exception {
        start(tls().heartbeatIdleTime(Duration.ofMillis(400)));
        try (TestClient c = connect(pki.jdkClientContext(false))) {
            assertThat(c.socket.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(onlyCloseWhenDone().reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
    }

    @Test
    void aTlsHandshakeThatNeverStartsCountsAgainstTheIdleDeadline() throws Exception {
        start(tls().heartbeatIdleTime(Duration.ofMillis(400)));
        try (TestClient c = new TestClient(server.localAddress())) { // TCP only: no ClientHello
            assertThat(c.socket.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(onlyCloseWhenDone().reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
    }

    /**
     * A TLS handshake begun and left unfinished (a ClientHello's record header, then nothing) is
     * closed at handshake_timeout, also under framing line, which has no handshake deadline of its
     * own: the TLS step's timeout is that key (docs/SECURITY.md). Bound: 300 ms; tolerance 2.7 s
     * for a loaded machine.
     */
    @Test
    void aTlsHandshakeLeftHalfDoneIsClosedAtHandshakeTimeout() throws Exception {
        start(tls().framing(Framing.LINE).handshakeTimeout(Duration.ofMillis(300)));
        long t0 = System.nanoTime();
        try (TestClient c = new TestClient(server.localAddress())) {
            c.raw(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xC8}); // handshake record of 200 bytes; none follow
            assertThat(c.socket.getInputStream().read()).isEqualTo(-1);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        CloseInfo info = onlyCloseWhenDone();
        assertThat(info.reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(info.detail()).startsWith("TLS handshake failed").contains("timed out");
        assertThat(s).isBetween(0.3, 3.0);
    }

    /**
     * A FIN in the middle of the TLS handshake closes at once, as peer closed, not after a farewell
     * that waits behind a handshake which cannot finish (shutdown_timeout, 5 s) or the handshake
     * timeout (10 s). Bound 3 s for a loaded machine.
     */
    @ParameterizedTest
    @EnumSource(value = TlsEngine.class, names = {"JDK", "OPENSSL"})
    void aFinDuringTheHandshakeClosesAtOnce(TlsEngine engine) throws Exception {
        start(tls().sslEngine(engine));
        // A real ClientHello, then FIN: the server answers with its half of the handshake and waits for
        // the client's Finished, which cannot come.
        javax.net.ssl.SSLEngine hello = pki.jdkClientContext(false).createSSLEngine("localhost", server.localAddress().getPort());
        hello.setUseClientMode(true);
        java.nio.ByteBuffer record = java.nio.ByteBuffer.allocate(hello.getSession().getPacketBufferSize());
        hello.wrap(java.nio.ByteBuffer.allocate(0), record);
        try (TestClient c = new TestClient(server.localAddress())) {
            c.raw(java.util.Arrays.copyOf(record.array(), record.position()));
            long t0 = System.nanoTime();
            c.socket.shutdownOutput();
            c.socket.setSoTimeout(3000);
            InputStream in = c.socket.getInputStream();
            while (in.read() != -1) {
                // the server's handshake flight
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
        assertThat(onlyCloseWhenDone().reason()).isEqualTo(CloseReason.PEER_CLOSED);
    }

    /** After the handshake, half-closure is as without TLS: the client's FIN is peer closed, and what was asked before it is answered. */
    @Test
    void afterTheHandshakeAFinIsPeerClosedAsWithoutTls() throws Exception {
        start(tls());
        try (TestClient c = connect(pki.jdkClientContext(false))) {
            c.sendLine("ping");
            assertThat(c.readLine()).isEqualTo("pong");
            c.socket.shutdownOutput(); // an SSLSocket sends close_notify, then FIN
            assertThat(c.readLine()).isNull();
        }
        assertThat(onlyCloseWhenDone().reason()).isEqualTo(CloseReason.PEER_CLOSED);
    }

    @ParameterizedTest
    @EnumSource(value = TlsEngine.class, names = {"JDK", "OPENSSL"})
    void clientCertificateRequired(TlsEngine engine) throws Exception {
        start(tls().sslEngine(engine).sslVerifyPeer(true).sslClientCertFile(pki.clientCaFile));
        // Without a certificate: refused. TLS 1.3 finishes the client's side of the handshake before the
        // server has checked, so the client learns it on its first read (the alert) or write (the
        // server already closed: broken pipe) at the latest.
        assertThatThrownBy(() -> {
            try (TestClient c = connect(pki.jdkClientContext(false))) {
                c.sendLine("ping");
                c.readLine();
            }
        }).isInstanceOf(IOException.class);
        CloseInfo refused = onlyCloseWhenDone();
        assertThat(refused.reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(refused.detail()).startsWith("TLS handshake failed: the client sent no certificate");
        // With one: accepted.
        try (TestClient c = connect(pki.jdkClientContext(true))) {
            c.sendLine("ping");
            assertThat(c.readLine()).isEqualTo("pong");
        }
    }

    @Test
    void aClientThatDoesNotTrustTheServerIsAProtocolErrorToo() throws Exception {
        start(tls());
        SSLContext trustsNothing = SSLContext.getInstance("TLS");
        trustsNothing.init(null, null, null); // the JDK's trust store: our test CA is not in it
        assertThatThrownBy(() -> connect(trustsNothing)).isInstanceOf(SSLException.class)
                .hasMessageContaining("PKIX path building failed");
        CloseInfo info = onlyCloseWhenDone();
        assertThat(info.reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(info.detail()).startsWith("TLS handshake failed: the client does not trust the server's certificate (ssl_cert_file): ");
    }

    /** With framing line the server also writes its `error` line on the way out, into a TLS session that never began: dropped, not leaked. */
    @ParameterizedTest
    @EnumSource(value = Framing.class, names = {"AUTO", "LINE"})
    void aPlainClientOnATlsPortIsAProtocolErrorAndTheServerGoesOn(Framing framing) throws Exception {
        start(tls().framing(framing));
        try (TestClient plain = TestClient.line(server)) {
            plain.sendLine("ping");
            InputStream in = plain.socket.getInputStream();
            byte[] buf = new byte[256];
            int n;
            try {
                while ((n = in.read(buf)) != -1) {
                    // whatever the engine says (an alert record) is not a pong; drain until closed
                    assertThat(new String(buf, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("pong");
                }
            } catch (java.net.SocketException reset) {
                // closed with unread data on its side: RST; closed either way
            }
        }
        CloseInfo info = onlyCloseWhenDone();
        assertThat(info.reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(info.detail()).isEqualTo("TLS handshake failed: not a TLS client (its first bytes are not a TLS record)");
        try (TestClient c = connect(pki.jdkClientContext(false))) {
            c.sendLine("ping");
            assertThat(c.readLine()).isEqualTo("pong");
        }
    }

    // ---------------------------------------------------------------- refusals at startup

    @Test
    void missingFilesAreRefusedNamingKeyAndFile() {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> tls().sslCertFile(missing).build()).isInstanceOf(ConfigException.class)
                .hasMessage("ssl_cert_file: " + missing + " does not exist");
        assertThatThrownBy(() -> tls().sslKeyFile(missing).build()).isInstanceOf(ConfigException.class)
                .hasMessage("ssl_key_file: " + missing + " does not exist");
        assertThatThrownBy(() -> ServerConfig.fromMap(Map.of("ssl_cert_file", pki.serverChain.toString())))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("ssl_cert_file is set but ssl_key_file is not");
    }

    @Test
    void swappedOrMismatchedFilesAreRefused() {
        assertThatThrownBy(() -> tls().sslCertFile(pki.serverKey).sslKeyFile(pki.serverChain).build())
                .isInstanceOf(ConfigException.class)
                .hasMessage("ssl_cert_file: " + pki.serverKey + " holds a private key, not a certificate (are the certificate and key files swapped?)");
        assertThatThrownBy(() -> tls().sslKeyFile(pki.rogueServerKey).build()).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("ssl_key_file: " + pki.rogueServerKey + " is not the private key of the certificate in ssl_cert_file "
                        + pki.serverChain);
    }

    @Test
    void keyFormatsTetherCannotReadSayHowToConvert() throws Exception {
        Path pkcs1 = Files.writeString(dir.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> tls().sslKeyFile(pkcs1).build()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ssl_key_file: " + pkcs1 + " is a PKCS#1/SEC1 key")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in " + pkcs1);
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello\n");
        assertThatThrownBy(() -> tls().sslCertFile(garbage).build()).isInstanceOf(ConfigException.class)
                .hasMessage("ssl_cert_file: " + garbage + " has no PEM certificate (-----BEGIN CERTIFICATE-----)");
        Path broken = Files.writeString(dir.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> tls().sslCertFile(broken).build()).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("ssl_cert_file: " + broken + " is not a valid PEM certificate");
    }

    @Test
    void verifyPeerNeedsTls() {
        assertThatThrownBy(() -> ServerConfig.builder().sslVerifyPeer(true).build()).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("ssl_verify_peer is on but ssl_cert_file is not set");
        assertThatThrownBy(() -> tls().sslClientCertFile(pki.clientCaFile).build()).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("ssl_client_cert_file is set but ssl_verify_peer is off");
        assertThatThrownBy(() -> ServerConfig.fromMap(Map.of("ssl_engine", "boringssl"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ssl_engine");
    }
}
