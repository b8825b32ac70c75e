package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.internal.ServerConnection;
import io.tether.testkit.HeadlessChromium;
import io.tether.testkit.Requires;
import io.tether.testkit.process.Signals;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The WebSocket demo page and tether.js in Debian's headless chromium, driven by Selenium through
 * the system chromedriver (both by path: nothing downloads a browser or a driver), against real
 * servers: one in this JVM, and for the freeze one in its own JVM ({@code tether server
 * --websocket-demo}) that the test stops with SIGSTOP.
 */
@Requires(binaries = {"chromium", "chromedriver"})
class WebSocketBrowserTest {
    private final List<TetherServer> servers = new ArrayList<>();
    private final List<WebSocketDemo> demos = new ArrayList<>();
    /** What the in-JVM servers' handlers received, in order. */
    private final List<String> received = new CopyOnWriteArrayList<>();
    private WebDriver browser;
    private Process child;

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (child != null) {
            new ProcessBuilder("kill", "-CONT", String.valueOf(child.pid())).start().waitFor();
            child.destroy();
            child.waitFor();
        }
        demos.forEach(WebSocketDemo::close);
        servers.forEach(TetherServer::close);
    }

    /** The demo in this JVM (on the config's port: 0 for a free one), recording what its handler receives. */
    private TetherServer demoServer(ServerConfig.Builder config) {
        WebSocketDemo demo = new WebSocketDemo();
        TetherServer.Builder b = demo.install(TetherServer.builder().config(WebSocketDemo.config(config.build())));
        b.handler(new ServerHandler() {
            @Override
            public void onReceive(Connection conn, Message message) {
                received.add(message.text());
                demo.onReceive(conn, message);
            }
        });
        TetherServer server = b.build().start();
        demo.start(server);
        servers.add(server);
        demos.add(demo);
        return server;
    }

    private WebDriver browser(Path profile) {
        browser = HeadlessChromium.start(profile, 1100, 720);
        return browser;
    }

    private Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private WebDriverWait waitUpTo(int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds));
    }

    private static String page(TetherServer server) {
        return "http://127.0.0.1:" + server.localAddress().getPort() + "/";
    }

    /** What the page has delivered of the chat, without the sender's {@code guest-ID: }. */
    @SuppressWarnings("unchecked")
    private List<String> chat() {
        return ((List<Object>) js("return window.demo.chat")).stream().map(o -> o.toString().substring(o.toString().indexOf(": ") + 2)).toList();
    }

    private void screenshot(Path out) throws IOException {
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.createDirectories(out.getParent());
        Files.copy(shot, out, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void thePageConnectsExchangesMessagesAndShowsTheRoundTrip(@TempDir Path profile) throws Exception {
        TetherServer server = demoServer(ServerConfig.builder().port(0).heartbeatIdleTime(Duration.ofSeconds(10)));
        browser(profile).get(page(server));
        WebDriverWait wait = waitUpTo(15);
        wait.until(b -> "open".equals(b.findElement(By.id("state")).getText()));
        browser.findElement(By.id("input")).sendKeys("hello from chromium");
        browser.findElement(By.cssSelector("#form button")).click();
        wait.until(b -> b.findElement(By.id("log")).getText().contains(": hello from chromium"));
        wait.until(b -> b.findElement(By.id("rtt")).getText().matches("\\d+ ms"));
        wait.until(b -> b.findElement(By.id("counter")).getText().matches("\\d+"));
        wait.until(b -> "1 / 1".equals(b.findElement(By.id("acked")).getText())); // the server acknowledged it
        assertThat(received).containsExactly("hello from chromium");
        assertThat(browser.findElement(By.id("heartbeat")).getText()).startsWith("5000 ms"); // half the 10 s idle timeout
        screenshot(Path.of("target", "websocket-demo-connected.png"));
    }

    @Test
    void aFrozenServerIsNoticedWithinHeartbeatPlusTimeoutAndThePageFailsOver(@TempDir Path profile) throws Exception {
        int frozenPort = freePort();
        child = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"), "io.tether.cli.TetherCommand", "server",
                "--websocket-demo", "--port", String.valueOf(frozenPort), "--heartbeat-idle-time", "10s").redirectErrorStream(true).start();
        awaitLine(child, "WebSocket demo at");
        TetherServer second = demoServer(ServerConfig.builder().port(0).heartbeatIdleTime(Duration.ofSeconds(10)));
        long hb = 1000;
        long timeout = 1000;
        String first = "ws://127.0.0.1:" + frozenPort + "/ws";
        String other = "ws://127.0.0.1:" + second.localAddress().getPort() + "/ws";
        browser(profile).get(page(second) + "?servers=" + first + "," + other + "&hb=" + hb + "&timeout=" + timeout + "&connect=2000");
        WebDriverWait wait = waitUpTo(20);
        wait.until(b -> "open".equals(js("return window.demo.client.state")) && first.equals(js("return window.demo.client.url")));
        wait.until(b -> ((Number) js("return window.demo.ticks.length")).intValue() >= 2); // the frozen server was streaming

        Signals.send(child.pid(), "STOP");
        long frozenAt = System.currentTimeMillis();
        wait.until(b -> (Boolean) js("return window.demo.states.some(s => s.state === 'reconnecting' && s.at >= " + frozenAt + ")"));
        @SuppressWarnings("unchecked")
        Map<String, Object> noticed = (Map<String, Object>) js(
                "return window.demo.states.find(s => s.state === 'reconnecting' && s.at >= " + frozenAt + ")");
        long after = ((Number) noticed.get("at")).longValue() - frozenAt;
        System.out.println("frozen server noticed " + after + " ms after SIGSTOP (heartbeat " + hb + " ms + timeout " + timeout + " ms)");
        assertThat((String) noticed.get("reason")).startsWith("server silent: no answer to a ping for ");
        // Bound: the page pings once nothing arrived for the heartbeat (1 s) and declares the server dead
        // when nothing answers for the timeout (1 s), so within hb + timeout = 2 s of the last byte, which
        // came before the freeze; and not before the timeout. Tolerance: -50 ms (clocks), +1 s (timers
        // on a loaded 2-core machine, the SIGSTOP's own delay).
        assertThat(after).isBetween(timeout - 50, hb + timeout + 1000);

        wait.until(b -> "open".equals(js("return window.demo.client.state")) && other.equals(js("return window.demo.client.url")));
        browser.findElement(By.id("input")).sendKeys("on the second server");
        browser.findElement(By.cssSelector("#form button")).click();
        wait.until(b -> chat().contains("on the second server"));
        assertThat(received).containsExactly("on the second server");
    }

    @Test
    void aConnectionResetMidStreamResumesAndEveryMessageArrivesOnceInOrder(@TempDir Path profile) throws Exception {
        TetherServer server = demoServer(ServerConfig.builder().port(0).heartbeatIdleTime(Duration.ofSeconds(10))
                .sessionResumeWindow(Duration.ofSeconds(30)));
        browser(profile).get(page(server) + "?backoff=500");
        WebDriverWait wait = waitUpTo(30);
        wait.until(b -> "open".equals(js("return window.demo.client.state")));
        long firstConnection = ((Number) js("return window.demo.client.welcome.connectionId")).longValue();
        int n = 200;
        js("window.demo.burst(" + n + ", 10, 'm')"); // 200 numbered messages, one every 10 ms
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() >= 60);
        // Reset it mid-stream: SO_LINGER 0 makes the close an RST, as a middlebox dropping the flow does.
        Channel ch = ((ServerConnection) server.connection(firstConnection)).channel();
        ch.config().setOption(ChannelOption.SO_LINGER, 0);
        ch.close().sync();

        wait.until(b -> ((Number) js("return window.demo.client.resumes")).intValue() == 1 && "open".equals(js("return window.demo.client.state")));
        wait.until(b -> ((Number) js("return window.demo.acked")).intValue() == n);
        wait.until(b -> chat().size() == n);
        List<String> expected = IntStream.rangeClosed(1, n).mapToObj(i -> "m" + i).toList();
        assertThat(received).as("the server received each message once, in order").containsExactlyElementsOf(expected);
        assertThat(chat()).as("the page received each broadcast once, in order").containsExactlyElementsOf(expected);
        @SuppressWarnings("unchecked")
        List<Number> ticks = (List<Number>) js("return window.demo.ticks");
        assertThat(ticks).hasSizeGreaterThan(2);
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(ticks.get(i).longValue()).as("counter ticks follow on across the reset").isEqualTo(ticks.get(i - 1).longValue() + 1);
        }
        assertThat(js("return window.demo.failed.length")).isEqualTo(0L);
        assertThat(((Number) js("return window.demo.client.welcome.connectionId")).longValue()).isNotEqualTo(firstConnection);
        // The page after the reset and its resume: docs/websocket-demo.png (docs/WEBSOCKET.md) is a copy
        // of this file from a run; written under target/ so a test run leaves the tree as it was.
        screenshot(Path.of("target", "websocket-demo.png"));
    }

    @Test
    void theNetworkComingBackEndsTheBackoffWaitAtOnce(@TempDir Path profile) throws Exception {
        int port = freePort(); // nothing listens there yet: the first attempt is refused
        String page = "<!doctype html><script type=module>import { TetherClient } from '/tether.js';"
                + "window.states = []; const c = window.client = new TetherClient('ws://127.0.0.1:" + port + "/ws',"
                + " { backoffInitialMs: 600000, backoffMaxMs: 600000, random: () => 0.99 });" // a 594 s wait
                + "c.on('state', (s) => states.push({ ...s, at: Date.now() })); c.start();</script>";
        TetherServer pages = TetherServer.builder().config(ServerConfig.builder().port(0).openWebsocketProtocol(true).build())
                .httpFile("/online.html", "text/html", page.getBytes(StandardCharsets.UTF_8)).build().start();
        servers.add(pages);
        browser(profile).get(page(pages) + "online.html");
        WebDriverWait wait = waitUpTo(15);
        wait.until(b -> "reconnecting".equals(js("return window.client.state")));
        demoServer(ServerConfig.builder().port(port));
        long online = System.currentTimeMillis();
        js("window.dispatchEvent(new Event('online'))");
        wait.until(b -> "open".equals(js("return window.client.state")));
        long took = System.currentTimeMillis() - online;
        assertThat(took).as("connected at once, not after the 594 s backoff").isLessThan(5000);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Reads the child's output until a line contains {@code text}; the rest is drained in the background. */
    private static void awaitLine(Process p, String text) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        List<String> seen = new ArrayList<>();
        while ((line = r.readLine()) != null) {
            seen.add(line);
            if (line.contains(text)) {
                Thread drain = new Thread(() -> {
                    try {
                        while (r.readLine() != null) {
                            // discarded: the child's log
                        }
                    } catch (IOException ignored) {
                        // the child ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return;
            }
        }
        throw new AssertionError("the child ended without '" + text + "': " + seen);
    }
}
