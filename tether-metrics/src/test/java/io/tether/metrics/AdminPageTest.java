package io.tether.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.client.ClientConfig;
import io.tether.client.ClientListener;
import io.tether.client.ConnectionMode;
import io.tether.client.Protocol;
import io.tether.client.StateChange;
import io.tether.client.TetherClient;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthResult;
import io.tether.testkit.HeadlessChromium;
import io.tether.testkit.Requires;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin page in Debian's headless chromium, driven by Selenium through the system
 * chromedriver (both given by path: nothing downloads a browser or a driver). The page shows the
 * live connection count, finds a connection by its id, and its kick button closes it: the client
 * is told {@code closed by server}. Saves a screenshot to {@code target/admin-page.png}.
 */
@Requires(binaries = {"chromium", "chromedriver"})
class AdminPageTest {
    private static final String TOKEN = "page-test-token-0123456789";

    private TetherServer server;
    private AdminServer admin;
    private WebDriver browser;
    private final List<TetherClient> clients = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        for (TetherClient c : clients) {
            c.close();
        }
        for (Socket s : sockets) {
            s.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void pageShowsLiveCountFindsAConnectionAndKicksIt(@TempDir Path profile) throws Exception {
        AtomicReference<TetherServer> self = new AtomicReference<>();
        TetherMetrics metrics = new TetherMetrics();
        server = TetherServer.builder()
                .config(ServerConfig.builder().port(0).openSessions(true).heartbeatIdleTime(Duration.ofSeconds(2))
                        .serverPingInterval(Duration.ofMillis(500)).serverPingTimeout(Duration.ofSeconds(1)).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message m) {
                        if (m.text().startsWith("login ")) {
                            self.get().sessions().of(conn).bind(m.text().substring(6));
                        }
                    }
                })
                .healthCheck(new HealthCheck() {
                    @Override
                    public String name() {
                        return "cache";
                    }

                    @Override
                    public HealthResult check(Duration timeout) {
                        return HealthResult.ok();
                    }
                })
                .observer(metrics).build();
        self.set(server);
        metrics.bindTo(server);
        server.start();
        admin = AdminServer.start(new AdminConfig("127.0.0.1", AdminConfig.ANY_PORT, TOKEN), metrics, server);
        int port = server.localAddress().getPort();

        // Some history for the charts: four clients left silent (idle timeout), two that ping and leave.
        for (int i = 0; i < 4; i++) {
            sockets.add(new Socket("127.0.0.1", port));
        }
        for (int i = 0; i < 2; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                OutputStream out = s.getOutputStream();
                out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                s.getInputStream().read(new byte[5]);
            }
        }
        // Three frame clients that stay (they answer the server's pings), the first one to be kicked.
        List<StateChange> kickedEvents = new CopyOnWriteArrayList<>();
        Set<Long> before = ids();
        TetherClient target = client(port, "alice", kickedEvents::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> !newIds(before).isEmpty());
        long targetId = newIds(before).iterator().next();
        client(port, "bob", e -> { });
        client(port, "carol", e -> { });
        await().atMost(Duration.ofSeconds(15)).until(() -> server.connectionCount() == 3);

        browser = HeadlessChromium.start(profile, 1400, 1250);
        // The token travels in the fragment, which the browser never sends; the page moves it to a header.
        browser.get("http://127.0.0.1:" + admin.port() + "/#token=" + TOKEN);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        wait.ignoring(StaleElementReferenceException.class); // a row that left the table while being read
        try {
            kick(wait, targetId, kickedEvents, target);
        } catch (RuntimeException | AssertionError e) {
            screenshot("admin-page-failed.png"); // what the page showed when it went wrong
            throw new AssertionError("page text: " + browser.findElement(By.tagName("body")).getText(), e);
        }
    }

    private void kick(WebDriverWait wait, long targetId, List<StateChange> kickedEvents, TetherClient target) throws Exception {

        wait.until(b -> "3".equals(b.findElement(By.id("live")).getText()));
        wait.until(b -> b.findElements(By.cssSelector("#conns tr")).size() == 3);

        WebElement search = browser.findElement(By.id("search"));
        search.sendKeys(Long.toString(targetId));
        wait.until(b -> rowIds(b).equals(List.of(Long.toString(targetId))));
        WebElement row = browser.findElement(By.cssSelector("#conns tr[data-id='" + targetId + "']"));
        assertThat(row.getText()).contains("alice").contains("frame");
        row.findElement(By.cssSelector("button.kick")).click();

        await().atMost(Duration.ofSeconds(10)).until(() -> kickedEvents.stream().anyMatch(e -> e.closeInfo() != null));
        CloseInfo told = kickedEvents.stream().filter(e -> e.closeInfo() != null).findFirst().orElseThrow().closeInfo();
        assertThat(told.reason()).isEqualTo(CloseReason.CLOSED_BY_SERVER);
        assertThat(server.connection(targetId)).isNull();

        wait.until(b -> "2".equals(b.findElement(By.id("live")).getText()));
        search.clear();
        search.sendKeys(" ");
        search.clear();
        wait.until(b -> b.findElements(By.cssSelector("#conns tr")).size() == 2);
        // The kick reaches the close-reason chart with the next sample; the health check ran for the pings.
        wait.until(b -> b.findElement(By.id("reasons-legend")).getText().contains("closed by server"));
        wait.until(b -> !b.findElement(By.id("rtt-sum")).getText().startsWith("none"));
        assertThat(browser.findElement(By.id("health")).getText()).isEqualTo("health: healthy");
        assertThat(browser.findElement(By.id("checks")).getText()).contains("cache").contains("healthy");
        assertThat(Files.size(screenshot("admin-page.png"))).isPositive();
        assertThat(target.state().toString()).isNotEqualTo("CONNECTED");
    }

    private Path screenshot(String name) throws java.io.IOException {
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Path out = Path.of("target", name);
        Files.createDirectories(out.getParent());
        Files.copy(shot, out, StandardCopyOption.REPLACE_EXISTING);
        return out;
    }

    private TetherClient client(int port, String user, java.util.function.Consumer<StateChange> events) {
        TetherClient c = TetherClient.builder()
                .config(ClientConfig.builder().endpoint("127.0.0.1", port).protocol(Protocol.FRAME).mode(ConnectionMode.ON_USE).build())
                .listener(new ClientListener() {
                    @Override
                    public void onStateChange(StateChange change) {
                        events.accept(change);
                    }
                })
                .build().start();
        clients.add(c);
        c.send("login " + user);
        return c;
    }

    private Set<Long> ids() {
        return server.connections().stream().map(Connection::id).collect(Collectors.toSet());
    }

    private Set<Long> newIds(Set<Long> before) {
        Set<Long> now = ids();
        now.removeAll(before);
        return now;
    }

    private static List<String> rowIds(WebDriver b) {
        return b.findElements(By.cssSelector("#conns tr")).stream().map(r -> r.getAttribute("data-id")).toList();
    }
}
