package io.tether.bench.lean;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.testkit.Requires;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The idle-holding prototype on real sockets: it answers ping lines (also split across reads and
 * after another line) and closes a silent connection at its idle deadline: never before it, and
 * at most 250 ms after it (a loaded machine; it sleeps in epoll_wait exactly until the deadline).
 */
@Requires(nativeEpoll = true)
class LeanIdleServerTest {
    private static final long IDLE_MS = 300;

    @Test
    void answersPingsAndClosesASilentConnectionAtItsDeadline() throws Exception {
        LeanIdleServer server = new LeanIdleServer("127.0.0.1", 0, TimeUnit.MILLISECONDS.toNanos(IDLE_MS));
        Thread loop = new Thread(server::runLoop, "lean-test-loop");
        loop.setDaemon(true);
        loop.start();
        try (Socket talker = new Socket("127.0.0.1", server.port()); Socket silent = new Socket("127.0.0.1", server.port())) {
            long silentSince = System.nanoTime();
            talker.setSoTimeout(5000);
            silent.setSoTimeout(5000);
            OutputStream out = talker.getOutputStream();
            InputStream in = talker.getInputStream();
            out.write("pi".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(20); // let the half line arrive on its own (the matcher keeps its place per connection)
            out.write("ng\nhello\nping\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] two = in.readNBytes(10);
            assertThat(new String(two, StandardCharsets.US_ASCII)).isEqualTo("pong\npong\n");

            assertThat(silent.getInputStream().read()).as("EOF from the server").isEqualTo(-1);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - silentSince);
            assertThat(ms).isBetween(IDLE_MS, IDLE_MS + 250);
        }
    }
}
