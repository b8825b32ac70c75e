package io.tether.server;

import io.tether.core.config.ConfigException;
import io.tether.core.config.Setting;
import io.tether.core.config.Settings;
import io.tether.core.config.Values;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Everything a {@link TetherServer} is configured with, immutable. Keys use Swoole's names where
 * Swoole has one; {@link #SETTINGS} lists every key with its default and meaning (the source of
 * docs/CONFIG.md and of the CLI's flags).
 */
public final class ServerConfig {

    public enum HealthFailMode { REPLY, WITHHOLD }

    /** What binding a user who already has a live session does ({@code session_duplicate_policy}). */
    public enum DuplicatePolicy {
        /** End the older sessions of the user (reason {@code replaced}); the new one is bound. */
        REPLACE,
        /** End the new session (reason {@code refused}); the older one keeps the user. */
        REFUSE,
        /** Keep them all: one user, several sessions (several devices). */
        ALLOW
    }

    private final String host;
    private final int port;
    private final int workerNum;
    private final int maxConnection;
    private final int packageMaxLength;
    private final Framing framing;
    private final int bufferHighWatermark;
    private final int bufferLowWatermark;
    /** As set (null: follows buffer_low_watermark), kept so toBuilder() keeps following it. */
    private final Long maxOutboundBytesSetting;
    private final long maxOutboundBytes;
    private final Duration outboundSoftTime;
    private final long outboundHardLimit;
    private final boolean openTcpKeepalive;
    private final Duration tcpKeepIdle;
    private final Duration tcpKeepInterval;
    private final int tcpKeepCount;
    private final Duration tcpUserTimeout;
    private final Duration heartbeatIdleTime;
    private final Duration heartbeatCheckInterval;
    private final Duration heartbeatTick;
    private final Duration serverPingInterval;
    private final Duration serverPingTimeout;
    private final Duration pingMinInterval;
    private final int pingStrikes;
    private final Duration healthCacheTime;
    private final Duration healthCheckTimeout;
    private final HealthFailMode healthFailMode;
    private final Duration shutdownTimeout;
    private final String serverName;
    private final boolean openSessions;
    private final Duration sessionResumeWindow;
    private final int sessionReplayBuffer;
    private final long sessionReplayBytes;
    private final DuplicatePolicy sessionDuplicatePolicy;

    private ServerConfig(Builder b) {
        host = b.host;
        port = b.port;
        workerNum = b.workerNum > 0 ? b.workerNum : Runtime.getRuntime().availableProcessors();
        maxConnection = b.maxConnection;
        packageMaxLength = b.packageMaxLength;
        framing = b.framing;
        bufferHighWatermark = b.bufferHighWatermark;
        bufferLowWatermark = b.bufferLowWatermark;
        if (bufferLowWatermark > bufferHighWatermark) {
            throw new ConfigException("buffer_low_watermark (" + bufferLowWatermark + ") must not exceed buffer_high_watermark ("
                    + bufferHighWatermark + ")");
        }
        maxOutboundBytesSetting = b.maxOutboundBytes;
        maxOutboundBytes = b.maxOutboundBytes != null ? b.maxOutboundBytes : bufferLowWatermark;
        outboundSoftTime = b.outboundSoftTime;
        outboundHardLimit = b.outboundHardLimit;
        if (outboundHardLimit > 0 && outboundHardLimit < bufferHighWatermark) {
            throw new ConfigException("outbound_hard_limit (" + outboundHardLimit + ") must be at least buffer_high_watermark ("
                    + bufferHighWatermark + "), or the hard limit closes connections before reading from them is paused");
        }
        if (outboundHardLimit > 0 && maxOutboundBytes > outboundHardLimit) {
            throw new ConfigException("max_outbound_bytes (" + maxOutboundBytes + ") must not exceed outbound_hard_limit ("
                    + outboundHardLimit + "), or the soft limit never applies");
        }
        openTcpKeepalive = b.openTcpKeepalive;
        tcpKeepIdle = b.tcpKeepIdle;
        tcpKeepInterval = b.tcpKeepInterval;
        tcpKeepCount = b.tcpKeepCount;
        tcpUserTimeout = b.tcpUserTimeout;
        // Swoole's rule: idle time defaults to twice the check interval. Tether's wheel does not need
        // the interval to close on time, so given only an idle time it reports half of it.
        Duration idle = b.heartbeatIdleTime;
        Duration check = b.heartbeatCheckInterval;
        if (idle.isZero() && !check.isZero()) {
            idle = check.multipliedBy(2);
        } else if (!idle.isZero() && check.isZero()) {
            check = idle.dividedBy(2);
        }
        if (!idle.isZero() && check.compareTo(idle) > 0) {
            throw new ConfigException("heartbeat_check_interval (" + Values.format(check)
                    + ") must not exceed heartbeat_idle_time (" + Values.format(idle) + ")");
        }
        heartbeatIdleTime = idle;
        heartbeatCheckInterval = check;
        heartbeatTick = b.heartbeatTick;
        serverPingInterval = b.serverPingInterval;
        serverPingTimeout = b.serverPingTimeout;
        if (!idle.isZero() && !serverPingInterval.isZero() && serverPingInterval.compareTo(idle) >= 0) {
            throw new ConfigException("server_ping_interval (" + Values.format(serverPingInterval)
                    + ") must be shorter than heartbeat_idle_time (" + Values.format(idle)
                    + "), or the idle deadline closes connections before they are pinged");
        }
        pingMinInterval = b.pingMinInterval;
        pingStrikes = b.pingStrikes;
        healthCacheTime = b.healthCacheTime;
        healthCheckTimeout = b.healthCheckTimeout;
        healthFailMode = b.healthFailMode;
        shutdownTimeout = b.shutdownTimeout;
        serverName = b.serverName;
        openSessions = b.openSessions;
        sessionResumeWindow = b.sessionResumeWindow;
        sessionReplayBuffer = b.sessionReplayBuffer;
        sessionReplayBytes = b.sessionReplayBytes;
        sessionDuplicatePolicy = b.sessionDuplicatePolicy;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values, to change a few. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.workerNum = workerNum;
        b.maxConnection = maxConnection;
        b.packageMaxLength = packageMaxLength;
        b.framing = framing;
        b.bufferHighWatermark = bufferHighWatermark;
        b.bufferLowWatermark = bufferLowWatermark;
        b.maxOutboundBytes = maxOutboundBytesSetting;
        b.outboundSoftTime = outboundSoftTime;
        b.outboundHardLimit = outboundHardLimit;
        b.openTcpKeepalive = openTcpKeepalive;
        b.tcpKeepIdle = tcpKeepIdle;
        b.tcpKeepInterval = tcpKeepInterval;
        b.tcpKeepCount = tcpKeepCount;
        b.tcpUserTimeout = tcpUserTimeout;
        b.heartbeatIdleTime = heartbeatIdleTime;
        b.heartbeatCheckInterval = heartbeatCheckInterval;
        b.heartbeatTick = heartbeatTick;
        b.serverPingInterval = serverPingInterval;
        b.serverPingTimeout = serverPingTimeout;
        b.pingMinInterval = pingMinInterval;
        b.pingStrikes = pingStrikes;
        b.healthCacheTime = healthCacheTime;
        b.healthCheckTimeout = healthCheckTimeout;
        b.healthFailMode = healthFailMode;
        b.shutdownTimeout = shutdownTimeout;
        b.serverName = serverName;
        b.openSessions = openSessions;
        b.sessionResumeWindow = sessionResumeWindow;
        b.sessionReplayBuffer = sessionReplayBuffer;
        b.sessionReplayBytes = sessionReplayBytes;
        b.sessionDuplicatePolicy = sessionDuplicatePolicy;
        return b;
    }

    /** A config from flat keys (YAML or flags); unknown keys and bad values throw, naming the key. */
    public static ServerConfig fromMap(Map<String, ?> values) {
        Builder b = builder();
        SETTINGS.apply(values, b);
        return b.build();
    }

    /** A config from a YAML file of the keys in {@link #SETTINGS}. */
    public static ServerConfig fromYaml(Path file) {
        return fromMap(Settings.readYaml(file));
    }

    private static final Duration DAY = Duration.ofDays(1);
    private static final Duration MAX_KEEPALIVE = Duration.ofSeconds(32767); // the kernel's limit

    /** Every key the server accepts, in the order docs/CONFIG.md lists them. */
    public static final Settings<Builder> SETTINGS = new Settings<>(
            new Setting<>("host", "127.0.0.1", "Address to listen on; 0.0.0.0 for every interface.",
                    (b, v) -> b.host(Values.text("host", v))),
            new Setting<>("port", "9501", "TCP port to listen on; 0 picks a free one.",
                    (b, v) -> b.port(Values.integer("port", v, 0, 65535))),
            new Setting<>("worker_num", "CPU cores", "Event-loop threads (Swoole: worker processes).",
                    (b, v) -> b.workerNum(Values.integer("worker_num", v, 1, 1024))),
            new Setting<>("max_connection", "100000", "Connections held at once; one more is closed with reason `limit reached`.",
                    (b, v) -> b.maxConnection(Values.integer("max_connection", v, 1, 10_000_000))),
            new Setting<>("package_max_length", "2M", "Largest message (line, frame payload or raw read) in bytes; `64K`, `2M` work. Larger closes the connection with reason `protocol error`.",
                    (b, v) -> b.packageMaxLength((int) Values.size("package_max_length", v, 64, 1L << 30))),
            new Setting<>("framing", "auto", "`auto` (line and frame clients on one port, told apart by the first byte), `line`, `frame` or `raw`.",
                    (b, v) -> b.framing(Framing.valueOf(Values.oneOf("framing", v, "auto", "line", "frame", "raw").toUpperCase(Locale.ROOT)))),
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
            new Setting<>("ping_min_interval", "500ms", "Pings (line `ping` or PING frames) closer together than this are strikes; the first is answered with a NOTICE (frame) or `notice too many pings` (line); after ping_strikes the connection is closed with reason `too many pings`. 0 turns the limit off.",
                    (b, v) -> b.pingMinInterval(Values.duration("ping_min_interval", v, Duration.ZERO, DAY))),
            new Setting<>("ping_strikes", "2", "Too-fast pings tolerated before closing (gRPC allows 2).",
                    (b, v) -> b.pingStrikes(Values.integer("ping_strikes", v, 0, 1000))),
            new Setting<>("health_cache_time", "1s", "How long a health-check result answers pings before the checks run again.",
                    (b, v) -> b.healthCacheTime(Values.duration("health_cache_time", v, Duration.ZERO, DAY))),
            new Setting<>("health_check_timeout", "2s", "Longest wait for one health check; a slower one counts as failed.",
                    (b, v) -> b.healthCheckTimeout(Values.duration("health_check_timeout", v, Duration.ofMillis(1), Duration.ofMinutes(10)))),
            new Setting<>("health_fail_mode", "reply", "On a failed check: `reply` answers `pong unhealthy NAME`; `withhold` sends no pong, so the client's ping times out.",
                    (b, v) -> b.healthFailMode(HealthFailMode.valueOf(Values.oneOf("health_fail_mode", v, "reply", "withhold").toUpperCase(Locale.ROOT)))),
            new Setting<>("shutdown_timeout", "5s", "On shutdown, how long to wait for queued data to flush before closing anyway.",
                    (b, v) -> b.shutdownTimeout(Values.duration("shutdown_timeout", v, Duration.ZERO, Duration.ofMinutes(10)))),
            new Setting<>("server_name", "tether", "Name sent to frame clients in WELCOME.",
                    (b, v) -> b.serverName(Values.text("server_name", v))),
            new Setting<>("open_sessions", "false", "Turn on the session layer (docs/SESSIONS.md): users, groups, presence events, and resumable sequenced sessions for frame clients. Off, a connection allocates nothing for sessions and a HELLO asking to resume is refused.",
                    (b, v) -> b.openSessions(Values.bool("open_sessions", v))),
            new Setting<>("session_resume_window", "30s", "How long a session outlives an abnormal loss of its connection (anything but a CLOSE frame from the client), waiting for the client to resume it with its token; then it ends with reason `expired`. 0 turns resume off: every loss ends the session at once.",
                    (b, v) -> b.sessionResumeWindow(Values.duration("session_resume_window", v, Duration.ZERO, DAY))),
            new Setting<>("session_replay_buffer", "1024", "Most sequenced messages a session holds for the client unacknowledged (while connected or detached); one more ends the session with reason `replay overflow`.",
                    (b, v) -> b.sessionReplayBuffer(Values.integer("session_replay_buffer", v, 1, 10_000_000))),
            new Setting<>("session_replay_bytes", "1M", "Most payload bytes a session holds unacknowledged; more ends the session with reason `replay overflow`. `64K`, `1M` work.",
                    (b, v) -> b.sessionReplayBytes(Values.size("session_replay_bytes", v, 1024, 1L << 40))),
            new Setting<>("session_duplicate_policy", "replace", "A second session binding a user who already has one: `replace` ends the old one (reason `replaced`), `refuse` ends the new one (reason `refused`), `allow` keeps both.",
                    (b, v) -> b.sessionDuplicatePolicy(DuplicatePolicy.valueOf(Values.oneOf("session_duplicate_policy", v, "replace", "refuse", "allow").toUpperCase(Locale.ROOT)))));

    private static Duration wholeSeconds(String key, Object v) {
        Duration d = Values.duration(key, v, Duration.ofSeconds(1), MAX_KEEPALIVE);
        if (d.toMillis() % 1000 != 0) {
            throw new ConfigException(key + ": " + v + " must be whole seconds (the kernel counts this option in seconds)");
        }
        return d;
    }

    public String host() { return host; }
    public int port() { return port; }
    public int workerNum() { return workerNum; }
    public int maxConnection() { return maxConnection; }
    public int packageMaxLength() { return packageMaxLength; }
    public Framing framing() { return framing; }
    public int bufferHighWatermark() { return bufferHighWatermark; }
    public int bufferLowWatermark() { return bufferLowWatermark; }
    /** The soft limit in force (buffer_low_watermark unless set); 0 when off. */
    public long maxOutboundBytes() { return maxOutboundBytes; }
    public Duration outboundSoftTime() { return outboundSoftTime; }
    /** 0 when off. */
    public long outboundHardLimit() { return outboundHardLimit; }
    public boolean openTcpKeepalive() { return openTcpKeepalive; }
    public Duration tcpKeepIdle() { return tcpKeepIdle; }
    public Duration tcpKeepInterval() { return tcpKeepInterval; }
    public int tcpKeepCount() { return tcpKeepCount; }
    public Duration tcpUserTimeout() { return tcpUserTimeout; }
    public Duration heartbeatIdleTime() { return heartbeatIdleTime; }
    public Duration heartbeatCheckInterval() { return heartbeatCheckInterval; }
    public Duration heartbeatTick() { return heartbeatTick; }
    public Duration serverPingInterval() { return serverPingInterval; }
    public Duration serverPingTimeout() { return serverPingTimeout; }
    public Duration pingMinInterval() { return pingMinInterval; }
    public int pingStrikes() { return pingStrikes; }
    public Duration healthCacheTime() { return healthCacheTime; }
    public Duration healthCheckTimeout() { return healthCheckTimeout; }
    public HealthFailMode healthFailMode() { return healthFailMode; }
    public Duration shutdownTimeout() { return shutdownTimeout; }
    public String serverName() { return serverName; }
    public boolean openSessions() { return openSessions; }
    public Duration sessionResumeWindow() { return sessionResumeWindow; }
    public int sessionReplayBuffer() { return sessionReplayBuffer; }
    public long sessionReplayBytes() { return sessionReplayBytes; }
    public DuplicatePolicy sessionDuplicatePolicy() { return sessionDuplicatePolicy; }

    @Override
    public String toString() {
        return "ServerConfig{" + host + ":" + port + ", worker_num=" + workerNum + ", framing=" + framing.name().toLowerCase(Locale.ROOT)
                + ", max_connection=" + maxConnection + ", package_max_length=" + packageMaxLength
                + ", buffer_watermarks=" + bufferLowWatermark + "/" + bufferHighWatermark
                + ", max_outbound_bytes=" + maxOutboundBytes + "/" + Values.format(outboundSoftTime)
                + ", outbound_hard_limit=" + outboundHardLimit
                + ", keepalive=" + (openTcpKeepalive ? Values.format(tcpKeepIdle) + "/" + Values.format(tcpKeepInterval) + "/" + tcpKeepCount : "off")
                + ", tcp_user_timeout=" + Values.format(tcpUserTimeout)
                + ", heartbeat_idle_time=" + Values.format(heartbeatIdleTime)
                + ", heartbeat_check_interval=" + Values.format(heartbeatCheckInterval)
                + ", server_ping=" + (serverPingInterval.isZero() ? "off" : Values.format(serverPingInterval) + "/" + Values.format(serverPingTimeout))
                + ", ping_min_interval=" + Values.format(pingMinInterval) + "}";
    }

    /** Collects values; {@link #build()} checks how they fit together. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 9501;
        private int workerNum;
        private int maxConnection = 100_000;
        private int packageMaxLength = 2 * 1024 * 1024;
        private Framing framing = Framing.AUTO;
        private int bufferHighWatermark = 64 * 1024;
        private int bufferLowWatermark = 32 * 1024;
        private Long maxOutboundBytes;
        private Duration outboundSoftTime = Duration.ofSeconds(30);
        private long outboundHardLimit = 4 * 1024 * 1024;
        private boolean openTcpKeepalive;
        private Duration tcpKeepIdle = Duration.ofSeconds(3600);
        private Duration tcpKeepInterval = Duration.ofSeconds(60);
        private int tcpKeepCount = 5;
        private Duration tcpUserTimeout = Duration.ZERO;
        private Duration heartbeatIdleTime = Duration.ZERO;
        private Duration heartbeatCheckInterval = Duration.ZERO;
        private Duration heartbeatTick = Duration.ofMillis(10);
        private Duration serverPingInterval = Duration.ZERO;
        private Duration serverPingTimeout = Duration.ofSeconds(10);
        private Duration pingMinInterval = Duration.ofMillis(500);
        private int pingStrikes = 2;
        private Duration healthCacheTime = Duration.ofSeconds(1);
        private Duration healthCheckTimeout = Duration.ofSeconds(2);
        private HealthFailMode healthFailMode = HealthFailMode.REPLY;
        private Duration shutdownTimeout = Duration.ofSeconds(5);
        private String serverName = "tether";
        private boolean openSessions;
        private Duration sessionResumeWindow = Duration.ofSeconds(30);
        private int sessionReplayBuffer = 1024;
        private long sessionReplayBytes = 1024 * 1024;
        private DuplicatePolicy sessionDuplicatePolicy = DuplicatePolicy.REPLACE;

        private Builder() {
        }

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder workerNum(int v) { workerNum = v; return this; }
        public Builder maxConnection(int v) { maxConnection = v; return this; }
        public Builder packageMaxLength(int v) { packageMaxLength = v; return this; }
        public Builder framing(Framing v) { framing = v; return this; }
        /** Key {@code buffer_high_watermark}: over it a connection is not writable and is not read from. */
        public Builder bufferHighWatermark(int v) { bufferHighWatermark = v; return this; }
        /** Key {@code buffer_low_watermark}: below it a connection is writable and read from again. */
        public Builder bufferLowWatermark(int v) { bufferLowWatermark = v; return this; }
        /** Key {@code max_outbound_bytes}, the soft limit; 0 turns it off. Unset, it follows buffer_low_watermark. */
        public Builder maxOutboundBytes(long v) { maxOutboundBytes = v; return this; }
        /** Key {@code outbound_soft_time}. */
        public Builder outboundSoftTime(Duration v) { outboundSoftTime = v; return this; }
        /** Key {@code outbound_hard_limit}; 0 turns it off. */
        public Builder outboundHardLimit(long v) { outboundHardLimit = v; return this; }
        public Builder openTcpKeepalive(boolean v) { openTcpKeepalive = v; return this; }
        public Builder tcpKeepIdle(Duration v) { tcpKeepIdle = v; return this; }
        public Builder tcpKeepInterval(Duration v) { tcpKeepInterval = v; return this; }
        public Builder tcpKeepCount(int v) { tcpKeepCount = v; return this; }
        public Builder tcpUserTimeout(Duration v) { tcpUserTimeout = v; return this; }
        public Builder heartbeatIdleTime(Duration v) { heartbeatIdleTime = v; return this; }
        public Builder heartbeatCheckInterval(Duration v) { heartbeatCheckInterval = v; return this; }
        public Builder heartbeatTick(Duration v) { heartbeatTick = v; return this; }
        public Builder serverPingInterval(Duration v) { serverPingInterval = v; return this; }
        public Builder serverPingTimeout(Duration v) { serverPingTimeout = v; return this; }
        public Builder pingMinInterval(Duration v) { pingMinInterval = v; return this; }
        public Builder pingStrikes(int v) { pingStrikes = v; return this; }
        public Builder healthCacheTime(Duration v) { healthCacheTime = v; return this; }
        public Builder healthCheckTimeout(Duration v) { healthCheckTimeout = v; return this; }
        public Builder healthFailMode(HealthFailMode v) { healthFailMode = v; return this; }
        public Builder shutdownTimeout(Duration v) { shutdownTimeout = v; return this; }
        public Builder serverName(String v) { serverName = v; return this; }
        /** Turns the session layer on (key {@code open_sessions}); off by default. */
        public Builder openSessions(boolean v) { openSessions = v; return this; }
        public Builder sessionResumeWindow(Duration v) { sessionResumeWindow = v; return this; }
        public Builder sessionReplayBuffer(int v) { sessionReplayBuffer = v; return this; }
        public Builder sessionReplayBytes(long v) { sessionReplayBytes = v; return this; }
        public Builder sessionDuplicatePolicy(DuplicatePolicy v) { sessionDuplicatePolicy = v; return this; }

        /** Applies flat keys as {@link ServerConfig#fromMap} does, on top of what is set. */
        public Builder apply(Map<String, ?> values) {
            SETTINGS.apply(values, this);
            return this;
        }

        public ServerConfig build() {
            return new ServerConfig(this);
        }
    }
}
