package io.tether.cluster;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.session.PresenceListener;
import io.tether.server.session.Session;
import io.tether.server.session.SessionEnd;
import io.tether.core.close.CloseInfo;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A cluster node for the cross-node resume tests, in its own JVM so it can die for real: a Tether
 * server on a random port, frame framing, resumable sessions, joined to the cluster; the sibling
 * of {@link ClusterNodeMain} (line framing, no resume).
 *
 * <p>The application, per message of a bound session: a first {@code login <user>} binds it;
 * {@code attr <name> <type> <value>} sets a session attribute (types String, Integer, Long,
 * Boolean, bytes (hex) and, to test the refusal, Object: a {@link StringBuilder}, which no store
 * keeps); {@code attrs?} answers {@code attrs name=Type:value,...} (sorted). Every message of a
 * bound session, these included, is recorded by its sequence number: {@code XADD rec:<user>
 * <seq>-1 t <text>}. Redis refuses an ID not above the stream's last, so a message delivered a
 * second time (after a node died before its receipt reached Redis) is never hidden: it is counted
 * in {@code dup:<user>} ({@code INCR}) and its text pushed to {@code dups:<user>}.
 *
 * <p>The record is written synchronously, before {@code onReceive} returns, on purpose: the
 * server keeps the receipt of a message only after the application has had it, so an effect the
 * application completes before returning is in Redis before the receipt; an asynchronous write
 * could be overtaken by the receipt and lost with the process, and the test would report a gap
 * the server did not cause. It costs one Redis round trip on the event loop, acceptable in a test
 * application, not a pattern for production handlers.
 *
 * <p>Stdout: {@code READY <port>}; cluster presence events {@code EV online|offline <node> <sid>
 * <user> <reason> <claimer>} (as {@link ClusterNodeMain}); the server's own presence events
 * {@code PRES online|resumed|detached|offline <sid> <user> [<reason>]} (reason with '_' for ' ').
 * Stdin: {@code user <u> <text>} (a cluster send), {@code quit}.
 *
 * <p>args: redis URI, node id, lease ms, resume window ms, session_replay_buffer.
 */
public final class ResumeNodeMain {
    private ResumeNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        String redis = args[0];
        String nodeId = args[1];
        Duration lease = Duration.ofMillis(Long.parseLong(args[2]));
        Duration window = Duration.ofMillis(Long.parseLong(args[3]));
        int replayBuffer = Integer.parseInt(args[4]);

        RedisClient recorderClient = RedisClient.create(redis);
        StatefulRedisConnection<String, String> recorderConnection = recorderClient.connect();
        Recorder recorder = new Recorder(recorderConnection.sync());

        TetherServer[] ref = new TetherServer[1];
        TetherServer server = TetherServer.builder()
                .config(ServerConfig.builder().host("127.0.0.1").port(0).framing(Framing.FRAME).openSessions(true)
                        .sessionResumeWindow(window).sessionReplayBuffer(replayBuffer).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message m) {
                        Session s = ref[0].sessions().of(conn);
                        if (s == null) {
                            return;
                        }
                        String t = m.text();
                        String user = s.userId();
                        if (user == null) {
                            if (!t.startsWith("login ")) {
                                return;
                            }
                            user = t.substring(6);
                            s.bind(user);
                        } else if (t.startsWith("attr ")) {
                            String[] p = t.split(" ", 4);
                            s.attributes().put(p[1], value(p[2], p[3]));
                        } else if (t.equals("attrs?")) {
                            conn.send(describe(s.attributes()));
                        }
                        if (m.seq() > 0) {
                            recorder.record(user, m.seq(), t);
                        }
                    }
                }).build();
        ref[0] = server;
        server.sessions().addListener(new PresenceListener() {
            @Override
            public void onOnline(Session session, Connection connection) {
                out.println("PRES online " + session.id() + " " + session.userId());
            }

            @Override
            public void onResumed(Session session, Connection connection) {
                out.println("PRES resumed " + session.id() + " " + session.userId());
            }

            @Override
            public void onDetached(Session session, CloseInfo cause) {
                out.println("PRES detached " + session.id() + " " + session.userId());
            }

            @Override
            public void onOffline(Session session, SessionEnd end) {
                out.println("PRES offline " + session.id() + " " + session.userId() + " " + end.reason().text().replace(' ', '_'));
            }
        });
        TetherCluster cluster = TetherCluster.join(server, ClusterConfig.builder().redis(redis).nodeId(nodeId).leaseTime(lease).build());
        cluster.addListener(ClusterNodeMain.eventPrinter(out));
        server.start();
        out.println("READY " + server.localAddress().getPort());

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] p = line.split(" ", 3);
            try {
                switch (p[0]) {
                    case "user" -> cluster.sendToUser(p[1], p[2]).whenComplete((n, e) -> {
                        if (e != null) {
                            out.println("ERR send to " + p[1] + ": " + e);
                        }
                    });
                    case "quit" -> {
                        server.close();
                        cluster.close();
                        recorderConnection.close();
                        recorderClient.shutdown();
                        System.exit(0);
                    }
                    default -> out.println("ERR unknown command " + p[0]);
                }
            } catch (RuntimeException e) {
                out.println("ERR " + e.getMessage());
            }
        }
        server.close();
        cluster.close();
    }

    private static Object value(String type, String text) {
        return switch (type) {
            case "String" -> text;
            case "Integer" -> Integer.valueOf(text);
            case "Long" -> Long.valueOf(text);
            case "Boolean" -> Boolean.valueOf(text);
            case "bytes" -> HexFormat.of().parseHex(text);
            case "Object" -> new StringBuilder(text); // a type no store keeps
            default -> throw new IllegalArgumentException("unknown attribute type " + type);
        };
    }

    /** {@code attrs a=String:x,b=Long:2,...} sorted by name; byte[] as hex. */
    static String describe(Map<String, Object> attributes) {
        StringBuilder sb = new StringBuilder("attrs ");
        new TreeMap<>(attributes).forEach((k, v) -> {
            String type = v instanceof byte[] ? "bytes" : v.getClass().getSimpleName();
            String text = v instanceof byte[] b ? HexFormat.of().formatHex(b) : String.valueOf(v);
            sb.append(k).append('=').append(type).append(':').append(text).append(',');
        });
        return sb.toString();
    }

    /** Records arrivals by sequence number; a repeat is refused by Redis and counted, never hidden. */
    private static final class Recorder {
        private final RedisCommands<String, String> redis;

        Recorder(RedisCommands<String, String> redis) {
            this.redis = redis;
        }

        void record(String user, long seq, String text) {
            try {
                redis.xadd("rec:" + user, new XAddArgs().id(seq + "-1"), Map.of("t", text));
            } catch (RedisCommandExecutionException e) {
                if (e.getMessage() == null || !e.getMessage().contains("equal or smaller")) {
                    throw e;
                }
                redis.incr("dup:" + user);
                redis.rpush("dups:" + user, text);
            }
        }
    }
}
