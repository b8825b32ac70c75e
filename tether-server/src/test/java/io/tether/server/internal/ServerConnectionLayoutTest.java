package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.vm.VM;

/**
 * A connection's own object is per-connection memory: 100,000 connections pay every field 100,000
 * times. JOL measures its layout as HotSpot lays it out (compressed references and class pointers,
 * 8-byte alignment: the JVM's default under 32 GB of heap). 152 B since its wall-clock connect time
 * became derived (docs/BENCHMARKS.md, "Trims"); 4 B of padding are left.
 */
class ServerConnectionLayoutTest {

    @Test
    void serverConnectionStaysWithin152Bytes() {
        assumeTrue(VM.current().arrayIndexScale("java.lang.Object") == 4 && VM.current().classPointerSize() == 4
                && VM.current().objectAlignment() == 8, "default layout (compressed oops and class pointers)");
        ClassLayout layout = ClassLayout.parseClass(ServerConnection.class);
        assertThat(layout.instanceSize())
                .as("ServerConnection grew: find room in its padding, or make the case for the bytes\n%s", layout.toPrintable())
                .isLessThanOrEqualTo(152);
    }

    /**
     * The other object every line and frame connection has: its one pipeline handler, 56 B with no
     * padding left. WebSocket added nothing to it (a WebSocket connection's state is in its own extra
     * handlers).
     */
    @Test
    void connectionCodecStaysWithin56Bytes() {
        assumeTrue(VM.current().arrayIndexScale("java.lang.Object") == 4 && VM.current().classPointerSize() == 4
                && VM.current().objectAlignment() == 8, "default layout (compressed oops and class pointers)");
        ClassLayout layout = ClassLayout.parseClass(ConnectionCodec.class);
        assertThat(layout.instanceSize())
                .as("ConnectionCodec grew: find room in its padding, or make the case for the bytes\n%s", layout.toPrintable())
                .isLessThanOrEqualTo(56);
    }
}
