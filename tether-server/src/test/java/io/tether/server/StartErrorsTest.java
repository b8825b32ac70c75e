package io.tether.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A server that cannot listen says where and why, in words (the first hour of the issue). */
class StartErrorsTest {

    @AfterEach
    void restore() {
        System.clearProperty("tether.transport");
    }

    private static TetherServer server(String host, int port) {
        return TetherServer.builder().config(ServerConfig.builder().host(host).port(port).workerNum(1).build()).build();
    }

    @Test
    void aHostThatDoesNotResolveIsNamed() {
        // Was "cannot listen on nosuchhost.invalid:9501: null" (an UnresolvedAddressException).
        assertThatThrownBy(() -> server("nosuchhost.invalid", 9501).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot listen on nosuchhost.invalid:9501: cannot resolve host 'nosuchhost.invalid'");
    }

    @Test
    void aPortInUseNamesTheAddress() throws Exception {
        // Was the native "bind(..) failed with error(-98): Address already in use", without the address.
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> server("127.0.0.1", port).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot listen on 127.0.0.1:" + port + ": address already in use");
            System.setProperty("tether.transport", "nio");
            assertThatThrownBy(() -> server("127.0.0.1", port).start())
                    .as("the same words with NIO").hasMessage("cannot listen on 127.0.0.1:" + port + ": address already in use");
        }
    }
}
