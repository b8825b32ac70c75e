package io.tether.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns the keepalive capture into text (tcpdump -r), as the seed article shows it. */
final class Capture {
    private Capture() {
    }

    static void decode(Path dir, PrintStream out) {
        Path pcap = dir.resolve("keepalive.pcap");
        if (!Files.exists(pcap)) {
            out.println("capture: no keepalive.pcap (scenario 4 with the keepalive setting was not run)");
            return;
        }
        Sh.Result r = Sh.run("tcpdump", "-nn", "-tt", "-r", pcap.toString());
        try {
            Files.writeString(dir.resolve("keepalive.txt"), r.out() + "\n");
        } catch (IOException e) {
            out.println("capture: cannot write keepalive.txt: " + e.getMessage());
            return;
        }
        out.println("capture: " + pcap.toAbsolutePath() + " and keepalive.txt (" + r.out().split("\n").length + " lines)");
    }
}
