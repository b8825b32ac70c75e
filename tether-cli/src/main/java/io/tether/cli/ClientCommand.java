package io.tether.cli;

import io.tether.client.ClientConfig;
import io.tether.client.ClientListener;
import io.tether.client.ClientState;
import io.tether.client.ConnectionMode;
import io.tether.client.Protocol;
import io.tether.client.StateChange;
import io.tether.client.TetherClient;
import io.tether.core.backoff.Backoff;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.config.ConfigException;
import io.tether.core.transport.TlsEngine;
import io.tether.core.config.Values;
import io.tether.core.text.Printable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tether client HOST:PORT [HOST:PORT...]}: an interactive client like nc that stays
 * connected. Lines typed on stdin go out as messages; the server's messages are printed on stdout,
 * one per line; every state change (connected, server silent, reconnecting, failover) is printed on
 * stderr, so stdout stays clean for pipes.
 *
 * <p>No line is lost silently: a line counts as sent only once the server has it (the session's ACK
 * with resume, which is on by default; else the PONG of a ping sent after it, ClientConfig.confirm),
 * and every line that cannot be confirmed is printed on stderr as {@code not confirmed: LINE: why}.
 */
@Command(name = "client", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Connect to a Tether server (or any line server with --line) and stay connected, like nc but healing itself.",
                "stdin lines out, messages in; heartbeats, reconnect with jittered backoff, failover to the next endpoint.",
                "Status lines go to stderr."})
final class ClientCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    LogOptions logOptions;

    @Parameters(arity = "1..*", paramLabel = "HOST:PORT", description = "Endpoints, tried in order; a lost connection moves to the next.")
    List<String> endpoints = new ArrayList<>();

    @Option(names = "--line", description = "Speak the line protocol (newline-terminated text) instead of frames.")
    boolean line;

    @Option(names = "--no-resume",
            description = "Do not ask for a resumable session (frame protocol; docs/SESSIONS.md). Lines are confirmed by pings then.")
    boolean noResume;

    @Option(names = "--on-use", description = "Reconnect only when a line is sent; no background pings or reconnects.")
    boolean onUse;

    @Option(names = "--heartbeat", paramLabel = "DURATION", description = "Ping when nothing was read for this long (fitted to the server's WELCOME). Default: ${DEFAULT-VALUE}.")
    String heartbeat = "2s";

    @Option(names = "--ping-timeout", paramLabel = "DURATION", description = "Declare the server dead when nothing arrives this long after a ping. Default: ${DEFAULT-VALUE}.")
    String pingTimeout = "2s";

    @Option(names = "--connect-timeout", paramLabel = "DURATION", description = "TCP connect plus handshake, per attempt. Default: ${DEFAULT-VALUE}.")
    String connectTimeout = "5s";

    @Option(names = "--backoff-initial", paramLabel = "DURATION", description = "Ceiling of the first reconnect delay. Default: ${DEFAULT-VALUE}.")
    String backoffInitial = "500ms";

    @Option(names = "--backoff-max", paramLabel = "DURATION", description = "Longest reconnect delay. Default: ${DEFAULT-VALUE}.")
    String backoffMax = "30s";

    @Option(names = "--backoff-multiplier", paramLabel = "X", description = "Growth of the delay ceiling per attempt. Default: ${DEFAULT-VALUE}.")
    double backoffMultiplier = 2.0;

    @Option(names = "--jitter", paramLabel = "KIND", description = "full, decorrelated or none. Default: ${DEFAULT-VALUE}.")
    String jitter = "full";

    @Option(names = "--max-attempts", paramLabel = "N", description = "Reconnect attempts per outage before giving up; 0 never gives up. Default: ${DEFAULT-VALUE}.")
    int maxAttempts;

    @Option(names = "--max-queued-messages", paramLabel = "N", description = "Lines held while disconnected. Default: ${DEFAULT-VALUE}.")
    int maxQueuedMessages = 10_000;

    @Option(names = "--max-queued-bytes", paramLabel = "SIZE", description = "Bytes held while disconnected (64K, 16M). Default: ${DEFAULT-VALUE}.")
    String maxQueuedBytes = "16M";

    @Option(names = {"--open-tcp-keepalive", "--tcp-keepalive"},
            description = "Turn on kernel TCP keepalive on the socket (the server's flag name; --tcp-keepalive is the old name, removed in the next release).")
    boolean openTcpKeepalive;

    @Option(names = "--tcp-keepidle", paramLabel = "DURATION", description = "TCP_KEEPIDLE, whole seconds. Default: ${DEFAULT-VALUE}.")
    String tcpKeepIdle = "60s";

    @Option(names = "--tcp-keepinterval", paramLabel = "DURATION", description = "TCP_KEEPINTVL, whole seconds. Default: ${DEFAULT-VALUE}.")
    String tcpKeepInterval = "10s";

    @Option(names = "--tcp-keepcount", paramLabel = "N", description = "TCP_KEEPCNT. Default: ${DEFAULT-VALUE}.")
    int tcpKeepCount = 3;

    @Option(names = "--tcp-user-timeout", paramLabel = "DURATION", description = "TCP_USER_TIMEOUT; 0 = kernel default. Default: ${DEFAULT-VALUE}.")
    String tcpUserTimeout = "0";

    @Option(names = "--ssl", description = "Speak TLS; the server's certificate is verified (docs/TLS.md).")
    boolean ssl;

    @Option(names = "--ssl-cafile", paramLabel = "FILE", description = "PEM CA certificates to trust for the server's certificate. Default: the JDK's trust store.")
    Path sslCafile;

    @Option(names = "--ssl-verify-peer", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            description = "Verify the server's certificate and host name; false accepts any certificate (tests only). Default: ${DEFAULT-VALUE}.")
    boolean sslVerifyPeer = true;

    @Option(names = "--ssl-host-name", paramLabel = "NAME", description = "Name the server's certificate must carry, and SNI. Default: the endpoint's host.")
    String sslHostName;

    @Option(names = "--ssl-cert-file", paramLabel = "FILE", description = "PEM certificate chain to present, for a server with ssl_verify_peer.")
    Path sslCertFile;

    @Option(names = "--ssl-key-file", paramLabel = "FILE", description = "PKCS#8 PEM private key of --ssl-cert-file.")
    Path sslKeyFile;

    @Option(names = "--ssl-engine", paramLabel = "ENGINE", description = "auto, jdk or openssl, as the server's ssl_engine. Default: ${DEFAULT-VALUE}.")
    String sslEngine = "auto";

    @Option(names = "--name", paramLabel = "TEXT", description = "Client name sent in HELLO. Default: ${DEFAULT-VALUE}.")
    String name = "tether-cli";

    @Option(names = "--quit-after", paramLabel = "DURATION", description = "When stdin ends, wait this long for answers, then quit. Default: ${DEFAULT-VALUE}.")
    String quitAfter = "1s";

    @Option(names = "--stay", description = "Keep running after stdin ends, until Ctrl-C.")
    boolean stay;

    // Streams and signal handling, replaceable by tests.
    boolean handleSignals = true;
    InputStream in = System.in;
    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        ClientConfig config;
        Duration linger;
        try {
            config = config();
            linger = Values.duration("--quit-after", quitAfter, Duration.ZERO, Duration.ofDays(1));
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("tether client: " + e.getMessage());
            return 2;
        }
        CountDownLatch finished = new CountDownLatch(1);
        TetherClient client = TetherClient.builder().config(config)
                .listener(new ClientListener() {
                    @Override
                    public void onStateChange(StateChange change) {
                        String text = describe(change, config.endpoints().size());
                        if (text != null) {
                            err.println(text);
                        }
                        if (change.to() == ClientState.CLOSED) {
                            closedByGivingUp = change.cause() != null;
                            finished.countDown();
                        }
                    }

                    @Override
                    public void onPingIntervalChanged(Duration from, Duration to, String why) {
                        err.printf(Locale.ROOT, "server asks for fewer pings (%s): heartbeat %s -> %s%n", why, seconds(from), seconds(to));
                    }
                })
                .handler((c, message) -> out.println(new String(message, StandardCharsets.UTF_8)))
                .build();
        if (handleSignals) {
            Shutdown.onInterrupt(() -> {
                client.close();
                finished.countDown();
            });
        }
        client.start();
        Thread stdin = new Thread(() -> {
            pump(client);
            if (!stay) {
                sleepQuietly(linger);
                client.close();
                finished.countDown();
            }
        }, "tether-client-stdin");
        stdin.setDaemon(true);
        stdin.start();
        finished.await();
        client.close();
        return client.state() == ClientState.CLOSED && closedByGivingUp ? 1 : 0;
    }

    private volatile boolean closedByGivingUp;

    /** Sends each stdin line; at EOF waits until what was sent is confirmed (or failed). */
    private void pump(TetherClient client) {
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String lineText;
            while ((lineText = r.readLine()) != null) {
                CompletableFuture<Void> f = client.send(lineText);
                String sent = lineText;
                f.whenComplete((v, e) -> {
                    if (e != null) {
                        err.println(notConfirmed(sent, e));
                    }
                });
                pending.add(f);
                pending.removeIf(CompletableFuture::isDone);
            }
        } catch (IOException e) {
            err.println("tether client: reading stdin: " + e.getMessage());
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // each failure was printed already; a stuck queue gives up after 30 s
        }
    }

    /** The stderr line for a line whose send failed: the line (escaped, cut at 200 chars) and why. */
    static String notConfirmed(String line, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return "not confirmed: " + Printable.of(line, 200) + ": " + (cause.getMessage() == null ? cause.toString() : cause.getMessage());
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis()); // the user's --quit-after: wait for late answers on purpose
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    ClientConfig config() {
        ClientConfig.Builder b = ClientConfig.builder();
        for (String e : endpoints) {
            b.endpoint(e);
        }
        Backoff.Jitter j;
        try {
            j = Backoff.Jitter.valueOf(jitter.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--jitter: '" + jitter + "' is not one of full, decorrelated, none");
        }
        // Resume (frame protocol) confirms a line by the session's ACK; confirm covers a plain
        // session (a server without sessions, --no-resume, --line) with pings.
        return b.protocol(line ? Protocol.LINE : Protocol.FRAME)
                .resume(!line && !noResume)
                .confirm(true)
                .mode(onUse ? ConnectionMode.ON_USE : ConnectionMode.PERSISTENT)
                .clientName(name)
                .heartbeatInterval(Values.duration("--heartbeat", heartbeat, Duration.ZERO, Duration.ofDays(1)))
                .pingTimeout(Values.duration("--ping-timeout", pingTimeout, Duration.ofMillis(1), Duration.ofDays(1)))
                .connectTimeout(Values.duration("--connect-timeout", connectTimeout, Duration.ofMillis(1), Duration.ofDays(1)))
                .backoff(Backoff.builder()
                        .initial(Values.duration("--backoff-initial", backoffInitial, Duration.ofMillis(1), Duration.ofDays(1)))
                        .max(Values.duration("--backoff-max", backoffMax, Duration.ofMillis(1), Duration.ofDays(1)))
                        .multiplier(backoffMultiplier).maxAttempts(maxAttempts).jitter(j).build())
                .maxQueuedMessages(maxQueuedMessages)
                .maxQueuedBytes(Values.size("--max-queued-bytes", maxQueuedBytes, 0, 1L << 40))
                .openTcpKeepalive(openTcpKeepalive)
                .tcpKeepIdle(Values.duration("--tcp-keepidle", tcpKeepIdle))
                .tcpKeepInterval(Values.duration("--tcp-keepinterval", tcpKeepInterval))
                .tcpKeepCount(tcpKeepCount)
                .tcpUserTimeout(Values.duration("--tcp-user-timeout", tcpUserTimeout, Duration.ZERO, Duration.ofDays(1)))
                .ssl(ssl).sslCafile(sslCafile).sslVerifyPeer(sslVerifyPeer).sslHostName(sslHostName)
                .sslCertFile(sslCertFile).sslKeyFile(sslKeyFile)
                .sslEngine(TlsEngine.valueOf(Values.oneOf("--ssl-engine", sslEngine, "auto", "jdk", "openssl").toUpperCase(Locale.ROOT)))
                .build();
    }

    /** The status line for a state change, or null for one not worth a line. */
    static String describe(StateChange c, int endpointCount) {
        switch (c.to()) {
            case CONNECTING:
                return "connecting to " + address(c.endpoint());
            case CONNECTED:
                return c.endpointIndex() == 0 ? "connected to " + address(c.endpoint())
                        : "connected to the " + ordinal(c.endpointIndex()) + " endpoint " + address(c.endpoint());
            case RECONNECTING: {
                StringBuilder sb = new StringBuilder();
                if (c.closeInfo() != null) {
                    sb.append(lost(c.closeInfo())).append('\n');
                } else if (c.cause() != null) {
                    sb.append("attempt failed: ").append(brief(c.cause())).append('\n');
                }
                sb.append(String.format(Locale.ROOT, "reconnecting: attempt %d in %.1f s", c.attempt(), c.delay().toNanos() / 1e9));
                if (endpointCount > 1) {
                    sb.append(" to ").append(address(c.endpoint()));
                }
                return sb.toString();
            }
            case DISCONNECTED:
                return c.closeInfo() != null ? lost(c.closeInfo()) + "\ndisconnected; the next line reconnects"
                        : c.cause() != null ? "attempt failed: " + brief(c.cause()) + "\ndisconnected; the next line reconnects" : null;
            case CLOSED:
                return c.cause() != null ? "closed: " + c.cause().getMessage() : "closed";
            default:
                return c.toString();
        }
    }

    /**
     * Netty's native errors read "finishConnect(..) failed with error(-111): Connection refused:
     * /127.0.0.1:9501" (or "localhost/127.0.0.1:9501"); keep the words, the status line names the address.
     */
    static String brief(Throwable t) {
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.replaceFirst("^.*failed with error\\(-?\\d+\\): ", "").replaceFirst(": [^\\s/]*/[0-9a-fA-F.:]+:\\d+$", "");
    }

    /** The detail may quote the server (a CLOSE frame's text): escaped, like received text in a log. */
    private static String lost(CloseInfo info) {
        if (info.reason() == CloseReason.PING_TIMEOUT) {
            return String.format(Locale.ROOT, "server silent for %.1f s (%s)", info.silentFor().toNanos() / 1e9, Printable.of(info.detail()));
        }
        return "connection lost: " + Printable.of(info.toString());
    }

    private static String address(InetSocketAddress a) {
        return a == null ? "?" : a.getHostString() + ":" + a.getPort();
    }

    private static final String[] ORDINALS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"};

    private static String ordinal(int index) {
        return index < ORDINALS.length ? ORDINALS[index] : "#" + (index + 1);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toNanos() / 1e9);
    }
}
