package io.tether.lab;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The lab's client process, run inside the client namespace: one {@link PeerConnection} per cell.
 *
 * <p>Arguments: {@code [--rcvbuf BYTES] --conn CELL HOST PORT MODE INTERVAL_MS ...}. Prints one
 * JSON line per event. Standard input: {@code close} closes every connection in order (FIN) and
 * exits.
 */
public final class LabPeerMain {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private LabPeerMain() {
    }

    public static void main(String[] args) throws Exception {
        int rcvbuf = 0;
        List<PeerConnection> conns = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if ("--rcvbuf".equals(args[i])) {
                rcvbuf = Integer.parseInt(args[++i]);
            } else if ("--conn".equals(args[i])) {
                conns.add(new PeerConnection(args[i + 1], args[i + 2], Integer.parseInt(args[i + 3]),
                        PeerMode.valueOf(args[i + 4].toUpperCase(Locale.ROOT)), Long.parseLong(args[i + 5]), rcvbuf,
                        LabPeerMain::print));
                i += 5;
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "peer-timer");
            t.setDaemon(true);
            return t;
        });
        for (PeerConnection c : conns) {
            try {
                c.start(timer);
            } catch (Exception e) {
                print(Json.object("ev", "connectfailed", "error", String.valueOf(e.getMessage())));
            }
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if ("close".equals(line.trim())) {
                for (PeerConnection c : conns) {
                    c.close();
                }
                print(Json.object("ev", "closedall", "t", System.nanoTime()));
            }
        }
        // Standard input closed: the lab is gone; do not linger as an orphan in the namespace.
        System.exit(0);
    }

    private static synchronized void print(String line) {
        OUT.println(line);
    }
}
