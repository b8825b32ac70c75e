package io.tether.server;

import io.tether.core.config.ConfigException;
import io.tether.core.config.Setting;
import io.tether.core.config.Settings;
import io.tether.core.config.Values;
import io.tether.core.transport.TlsEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The server's config keys: name, default, meaning, and how a YAML or flag value lands on a
 * {@link ServerConfig.Builder}. Published as {@link ServerConfig#SETTINGS}; docs/CONFIG.md's table
 * and the CLI's flags are generated from it.
 */
final class ServerKeys {
    private ServerKeys() {
    }

    private static final Duration DAY = Duration.ofDays(1);
    private static final Duration MAX_KEEPALIVE = Duration.ofSeconds(32767); // the kernel's limit

    /** Every key the server accepts, in the order docs/CONFIG.md lists them. */
    static final Settings<ServerConfig.Builder> SETTINGS = new Settings<>(
            new Setting<>("host", "127.0.0.1", "Address to listen on; 0.0.0.0 for every interface.",
                    (b, v) -> b.host(Values.text("host", v))),
            new Setting<>("port", "9501", "TCP port to listen on; 0 picks a free one.",
                    (b, v) -> b.port(Values.integer("port", v, 0, 65535))),
            new Setting<>("worker_num", "3/4 of the CPU cores, at least 1", "Event-loop threads (Swoole: worker processes). The default leaves a quarter of the cores to the kernel's network work, the JIT and the GC (1 loop on 2 cores, 6 on 8).",
                    (b, v) -> b.workerNum(Values.integer("worker_num", v, 1, 1024))),
            new Setting<>("max_connection", "100000", "Connections held at once; one more is refused with reason `limit reached`, told in its framing (CLOSE 1010 or an `error limit reached: max_connection N` line).",
                    (b, v) -> b.maxConnection(Values.integer("max_connection", v, 1, 10_000_000))),
            new Setting<>("max_connection_per_ip", "0 (off)", "Connections held at once from one source address; one more from it is refused with reason `limit reached` (detail `max_connection_per_ip N`). Clients behind one NAT share an address: leave room for them. 0 turns the limit off.",
                    (b, v) -> b.maxConnectionPerIp(Values.integer("max_connection_per_ip", v, 0, 10_000_000))),
            new Setting<>("connect_rate_per_ip", "0 (off)", "New connections per second accepted from one source address (a token bucket of connect_burst_per_ip); a faster one is refused with reason `limit reached` (detail `connect_rate_per_ip N/s`). 0 turns the limit off.",
                    (b, v) -> b.connectRatePerIp(Values.integer("connect_rate_per_ip", v, 0, 1_000_000))),
            new Setting<>("connect_burst_per_ip", "connect_rate_per_ip", "How many connections one source address may open at once before connect_rate_per_ip applies (the bucket's size). Needs connect_rate_per_ip.",
                    (b, v) -> b.connectBurstPerIp(Values.integer("connect_burst_per_ip", v, 1, 1_000_000))),
            new Setting<>("handshake_timeout", "10s", "A frame client must complete its HELLO within this long of connecting, and under framing auto any client must send its first byte within it; else it is closed with reason `protocol error` (detail `handshake_timeout: ...`). Not applied under framing line or raw, which have no handshake. 0 turns it off.",
                    (b, v) -> b.handshakeTimeout(Values.duration("handshake_timeout", v, Duration.ZERO, DAY))),
            new Setting<>("package_timeout", "30s", "A line or frame the server has begun to receive must be complete within this long, or the connection is closed with reason `protocol error` (detail `package_timeout: ...`); each byte counts as life for heartbeat_idle_time, not for this. A client must send package_max_length within it (2M in 30s: 70 KB/s). 0 turns it off.",
                    (b, v) -> b.packageTimeout(Values.duration("package_timeout", v, Duration.ZERO, DAY))),
            new Setting<>("package_max_length", "2M", "Largest line, raw read or frame payload the server accepts, in bytes (a SEQ_DATA frame's payload includes its 8-byte sequence number); `64K`, `2M` work. Larger closes the connection with reason `protocol error`. Frame clients learn it in WELCOME; a HELLO, sent before that, may always be 4096 bytes.",
                    (b, v) -> b.packageMaxLength((int) Values.size("package_max_length", v, 64, 1L << 30))),
            new Setting<>("framing", "auto", "`auto` (line and frame clients on one port, told apart by the first byte; WebSocket clients too with open_websocket_protocol), `line`, `frame`, `raw` or `websocket` (WebSocket clients only).",
                    (b, v) -> b.framing(Framing.valueOf(Values.oneOf("framing", v, "auto", "line", "frame", "raw", "websocket").toUpperCase(Locale.ROOT)))),
            new Setting<>("open_websocket_protocol", "false", "Accept WebSocket clients on the port under framing auto (Swoole's name): a connection whose first bytes are `GET ` is an HTTP request, upgraded to WebSocket at websocket_path (docs/WEBSOCKET.md). Under framing websocket it is always on.",
                    (b, v) -> b.openWebsocketProtocol(Values.bool("open_websocket_protocol", v))),
            new Setting<>("websocket_path", "/ws", "The HTTP path a WebSocket upgrade must ask for; another path gets 404. The browser client is served at `/tether.js` beside it.",
                    (b, v) -> b.websocketPath(Values.text("websocket_path", v))),
            new Setting<>("websocket_origins", "none (any origin)", "Comma-separated origins a browser's upgrade may come from (`https://app.example.com,http://localhost:8080`); an upgrade with another `Origin` header is refused with HTTP 403 before it is a WebSocket. Unset, any origin is accepted.",
                    (b, v) -> b.websocketOrigins(Values.text("websocket_origins", v))),
            new Setting<>("websocket_compression", "false", "Offer permessage-deflate (RFC 7692) to WebSocket clients that ask for it. Off by default: each connection that takes it holds a deflater and an inflater, about 300 KB of native memory by zlib's own formula (a 32 KB window and 256 KB of deflate state).",
                    (b, v) -> b.websocketCompression(Values.bool("websocket_compression", v))),
            new Setting<>("ssl_cert_file", "none (TLS off)", "PEM certificate chain, the server's own certificate first (Swoole's name). Setting it turns TLS on for every connection on the port, line and frame alike; needs ssl_key_file. docs/TLS.md.",
                    (b, v) -> b.sslCertFile(Path.of(Values.text("ssl_cert_file", v)))),
            new Setting<>("ssl_key_file", "none", "PEM private key of ssl_cert_file, unencrypted PKCS#8 (`BEGIN PRIVATE KEY`; convert others with `openssl pkcs8 -topk8 -nocrypt`).",
                    (b, v) -> b.sslKeyFile(Path.of(Values.text("ssl_key_file", v)))),
            new Setting<>("ssl_verify_peer", "false", "Require a client certificate and verify it against ssl_client_cert_file; a client without a valid one is closed with reason `protocol error` during the TLS handshake.",
                    (b, v) -> b.sslVerifyPeer(Values.bool("ssl_verify_peer", v))),
            new Setting<>("ssl_client_cert_file", "none (the JDK's trust store)", "PEM CA certificates a client certificate must chain to, when ssl_verify_peer is on.",
                    (b, v) -> b.sslClientCertFile(Path.of(Values.text("ssl_client_cert_file", v)))),
            new Setting<>("ssl_engine", "auto", "TLS implementation: `openssl` (BoringSSL from netty-tcnative), `jdk` (the JDK's own), or `auto`: openssl when it loads here, else jdk. The server logs which one runs.",
                    (b, v) -> b.sslEngine(TlsEngine.valueOf(Values.oneOf("ssl_engine", v, "auto", "jdk", "openssl").toUpperCase(Locale.ROOT)))),
            new Setting<>("buffer_high_watermark", "64K", "Queued outbound bytes above which a connection is not writable (Swoole's name; Netty's write-buffer high water mark): the server stops reading from it, so a client that does not read its replies cannot make the server queue more for it, and the session layer stops writing to it, until the queue drains below buffer_low_watermark. `64K`, `1M` work.",
                    (b, v) -> b.bufferHighWatermark((int) Values.size("buffer_high_watermark", v, 1, 1L << 30))),
            new Setting<>("buffer_low_watermark", "32K", "Queued outbound bytes below which a connection that went over buffer_high_watermark is writable again and read from again. At most buffer_high_watermark.",
                    (b, v) -> b.bufferLowWatermark((int) Values.size("buffer_low_watermark", v, 0, 1L << 30))),
            new Setting<>("max_outbound_bytes", "buffer_low_watermark", "Soft limit on a connection's queued outbound bytes: a connection with this many or more queued for outbound_soft_time without a break is closed with reason `slow consumer`. By default equal to buffer_low_watermark: a connection the server has stopped reading from (over buffer_high_watermark, not yet back under buffer_low_watermark) is always at it, so a client that reads nothing is closed after outbound_soft_time. 0 turns the soft limit off.",
                    (b, v) -> b.maxOutboundBytes(Values.size("max_outbound_bytes", v, 0, 1L << 40))),
            new Setting<>("outbound_soft_time", "30s", "How long a connection may stay at or over max_outbound_bytes before it is closed with reason `slow consumer`; dropping under the limit, even briefly, starts the time over.",
                    (b, v) -> b.outboundSoftTime(Values.duration("outbound_soft_time", v, Duration.ZERO, DAY))),
            new Setting<>("outbound_hard_limit", "4M", "Hard limit on a connection's queued outbound bytes: a send that would take it over closes the connection at once with reason `slow consumer`, and that send and everything still queued fail with SlowConsumerException. At least buffer_high_watermark; a single message larger than this can never be sent. 0 turns it off.",
                    (b, v) -> b.outboundHardLimit(Values.size("outbound_hard_limit", v, 0, 1L << 40))),
            new Setting<>("open_tcp_keepalive", "false", "Turn on kernel TCP keepalive (SO_KEEPALIVE) on every accepted socket.",
                    (b, v) -> b.openTcpKeepalive(Values.bool("open_tcp_keepalive", v))),
            new Setting<>("tcp_keepidle", "3600s", "Silence before the first keepalive probe (TCP_KEEPIDLE). Whole seconds, 1s to 32767s.",
                    (b, v) -> b.tcpKeepIdle(wholeSeconds("tcp_keepidle", v))),
            new Setting<>("tcp_keepinterval", "60s", "Time between keepalive probes (TCP_KEEPINTVL). Whole seconds, 1s to 32767s.",
                    (b, v) -> b.tcpKeepInterval(wholeSeconds("tcp_keepinterval", v))),
            new Setting<>("tcp_keepcount", "5", "Unanswered probes before the kernel drops the connection (TCP_KEEPCNT); reason `keepalive timeout`.",
                    (b, v) -> b.tcpKeepCount(Values.integer("tcp_keepcount", v, 1, 127))),
            new Setting<>("tcp_user_timeout", "0 (kernel default)", "Longest time sent data may stay unacknowledged before the kernel drops the connection (TCP_USER_TIMEOUT); reason `user timeout`. Catches a dead peer while data is in flight, where keepalive never fires. 0 leaves the kernel default (about 15 minutes of retransmission).",
                    (b, v) -> b.tcpUserTimeout(Values.duration("tcp_user_timeout", v, Duration.ZERO, DAY))),
            new Setting<>("heartbeat_idle_time", "0 (off)", "Close a connection that has sent nothing for this long; reason `idle timeout`. Only received bytes count. Defaults to twice heartbeat_check_interval when only that is set (as in Swoole).",
                    (b, v) -> b.heartbeatIdleTime(Values.duration("heartbeat_idle_time", v, Duration.ZERO, DAY))),
            new Setting<>("heartbeat_check_interval", "0 (half of heartbeat_idle_time)", "Swoole's scan period. Accepted for compatibility and used for the default above; Tether gives each connection its own deadline, so it never delays a close.",
                    (b, v) -> b.heartbeatCheckInterval(Values.duration("heartbeat_check_interval", v, Duration.ZERO, DAY))),
            new Setting<>("heartbeat_tick", "10ms", "Resolution of the deadline wheel: a silent connection is closed at most this long after its deadline. 1ms to 100ms.",
                    (b, v) -> b.heartbeatTick(Values.duration("heartbeat_tick", v, Duration.ofMillis(1), Duration.ofMillis(100)))),
            new Setting<>("server_ping_interval", "0 (off)", "Send a PING frame to a frame-mode client that has sent nothing for this long.",
                    (b, v) -> b.serverPingInterval(Values.duration("server_ping_interval", v, Duration.ZERO, DAY))),
            new Setting<>("server_ping_timeout", "10s", "Close a pinged frame-mode client that sends nothing back within this long; reason `ping timeout`.",
                    (b, v) -> b.serverPingTimeout(Values.duration("server_ping_timeout", v, Duration.ofMillis(10), DAY))),
            new Setting<>("ping_min_interval", "500ms", "The sustained rate of client pings (line `ping` or PING frames) a connection may keep up: one per this interval, on top of a burst of ping_burst (docs/PROTOCOL.md, \"Ping rate\"). A ping read first in its read batch while no pong is owed waited for the previous pong and is never counted. A ping that takes a connection over its allowance is answered with a NOTICE (frame) or `notice too many pings` (line) and its pong; the ping that takes it more than ping_strikes over (ping_strikes + 1) closes it with reason `too many pings`, unanswered. 0 turns the limit off.",
                    (b, v) -> b.pingMinInterval(Values.duration("ping_min_interval", v, Duration.ZERO, DAY))),
            new Setting<>("ping_burst", "10", "Pings a connection may send at once, pipelined or bunched by a stall of the server or the network, before ping_min_interval limits it; the allowance refills at one per ping_min_interval. 1 to 10000.",
                    (b, v) -> b.pingBurst(Values.integer("ping_burst", v, 1, 10_000))),
            new Setting<>("ping_strikes", "2", "How many pings a connection may be over its allowance and still be answered (gRPC allows 2): each ping over it is a strike, and the one that takes it more than ping_strikes over (ping_strikes + 1) closes it with reason `too many pings` instead of a pong. 0 closes on the first ping over.",
                    (b, v) -> b.pingStrikes(Values.integer("ping_strikes", v, 0, 1000))),
            new Setting<>("health_cache_time", "1s", "How long a health-check result answers pings before the checks run again.",
                    (b, v) -> b.healthCacheTime(Values.duration("health_cache_time", v, Duration.ZERO, DAY))),
            new Setting<>("health_check_timeout", "2s", "Longest wait for one health check; a slower one counts as failed.",
                    (b, v) -> b.healthCheckTimeout(Values.duration("health_check_timeout", v, Duration.ofMillis(1), Duration.ofMinutes(10)))),
            new Setting<>("health_fail_mode", "reply", "On a failed check: `reply` answers `pong unhealthy NAME`; `withhold` sends no pong, so the client's ping times out.",
                    (b, v) -> b.healthFailMode(ServerConfig.HealthFailMode.valueOf(Values.oneOf("health_fail_mode", v, "reply", "withhold").toUpperCase(Locale.ROOT)))),
            new Setting<>("shutdown_timeout", "5s", "On shutdown, or on an application's close(), how long to wait for queued data to flush before closing anyway; after a client's FIN, how long to wait for what is still owed to it (pongs waiting on a health check, handler replies, queued data) before closing anyway (docs/PROTOCOL.md, \"Half-close\").",
                    (b, v) -> b.shutdownTimeout(Values.duration("shutdown_timeout", v, Duration.ZERO, Duration.ofMinutes(10)))),
            new Setting<>("server_name", "tether", "Name sent to frame clients in WELCOME.",
                    (b, v) -> b.serverName(Values.text("server_name", v))),
            new Setting<>("open_sessions", "false", "Turn on the session layer (docs/SESSIONS.md): users, groups, presence events, and resumable sequenced sessions for frame clients. Off, a connection allocates nothing for sessions and a HELLO asking to resume is refused.",
                    (b, v) -> b.openSessions(Values.bool("open_sessions", v))),
            new Setting<>("session_resume_window", "30s", "How long a session outlives an abnormal loss of its connection (anything but a CLOSE frame from the client), waiting for the client to resume it with its token; then it ends with reason `expired`. 0 turns resume off: every loss ends the session at once.",
                    (b, v) -> b.sessionResumeWindow(Values.duration("session_resume_window", v, Duration.ZERO, DAY))),
            new Setting<>("session_replay_buffer", "1024", "Most sequenced messages a session holds for the client unacknowledged (while connected or detached); one more ends the session with reason `replay overflow`.",
                    (b, v) -> b.sessionReplayBuffer(Values.integer("session_replay_buffer", v, 1, 10_000_000))),
            new Setting<>("session_replay_bytes", "1M", "Most payload bytes a session holds unacknowledged; more ends the session with reason `replay overflow`. A single message larger than this could never be held: its send is refused and the session goes on. `64K`, `1M` work.",
                    (b, v) -> b.sessionReplayBytes(Values.size("session_replay_bytes", v, 1024, 1L << 40))),
            new Setting<>("session_duplicate_policy", "replace", "A second session binding a user who already has one: `replace` ends the old one (reason `replaced`), `refuse` ends the new one (reason `refused`), `allow` keeps both.",
                    (b, v) -> b.sessionDuplicatePolicy(ServerConfig.DuplicatePolicy.valueOf(Values.oneOf("session_duplicate_policy", v, "replace", "refuse", "allow").toUpperCase(Locale.ROOT)))));

    private static Duration wholeSeconds(String key, Object v) {
        Duration d = Values.duration(key, v, Duration.ofSeconds(1), MAX_KEEPALIVE);
        if (d.toMillis() % 1000 != 0) {
            throw new ConfigException(key + ": " + v + " must be whole seconds (the kernel counts this option in seconds)");
        }
        return d;
    }
}
