package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.util.collection.LongObjectHashMap;
import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

/**
 * The registry keeps connections by a primitive id (no node or boxed key per connection) and gives
 * back the table of a past peak once the connections are gone.
 */
class ConnectionRegistryTest {
    private final List<SocketChannel> sockets = new ArrayList<>();
    private TetherServer server;

    @AfterEach
    void stop() throws IOException {
        for (SocketChannel s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void findsEveryConnectionByIdAndShrinksOnceTheyAreGone() throws Exception {
        List<Long> ids = new CopyOnWriteArrayList<>();
        server = TetherServer.builder().config(ServerConfig.builder().port(0).workerNum(2).framing(Framing.LINE).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onConnect(Connection conn) {
                        ids.add(conn.id());
                    }
                }).build().start();
        int n = 1500;
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.localAddress().getPort());
        for (int i = 0; i < n; i++) {
            sockets.add(SocketChannel.open(address));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == n);
        for (long id : ids) {
            assertThat(server.connection(id)).as("connection %d", id).isNotNull().extracting(Connection::id).isEqualTo(id);
        }
        assertThat(server.connection(n + 1000L)).isNull();
        assertThat(server.connections()).hasSize(n);
        ConnectionRegistry registry = ((ServerConnection) server.connection(ids.get(0))).ctx.registry;
        assertThat(slots(registry)).as("slots at %d connections: at most 3/4 full, a power of two", n).isEqualTo(2048);

        for (SocketChannel s : sockets) {
            s.close();
        }
        sockets.clear();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == 0);
        for (long id : ids) {
            assertThat(server.connection(id)).isNull();
        }
        assertThat(slots(registry)).as("slots after every connection closed: rebuilt small, not kept at the peak").isLessThanOrEqualTo(128);
        assertThat(GraphLayout.parseInstance(registry.table()).totalSize()).as("the empty map's bytes").isLessThan(2048);
    }

    /** The map's slot count (Netty's LongObjectHashMap does not tell it). */
    private static int slots(ConnectionRegistry registry) throws ReflectiveOperationException {
        Field keys = LongObjectHashMap.class.getDeclaredField("keys");
        keys.setAccessible(true);
        return ((long[]) keys.get(registry.table())).length;
    }
}
