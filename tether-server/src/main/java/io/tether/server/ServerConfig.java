package io.tether.server;

import io.tether.core.config.ConfigException;
import io.tether.core.config.Settings;
import io.tether.core.config.Values;
import io.tether.core.transport.TlsEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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

    /** The values, checked and completed (worker_num, the heartbeat pair); never handed out. */
    private final Builder v;

    private ServerConfig(Builder b) {
        Builder v = b.copy();
        this.v = v;
        if (v.workerNum <= 0) {
            v.workerNum = defaultWorkerNum(Runtime.getRuntime().availableProcessors());
        }
        if (v.bufferLowWatermark > v.bufferHighWatermark) {
            throw new ConfigException("buffer_low_watermark (" + v.bufferLowWatermark + ") must not exceed buffer_high_watermark ("
                    + v.bufferHighWatermark + ")");
        }
        if (v.outboundHardLimit > 0 && v.outboundHardLimit < v.bufferHighWatermark) {
            throw new ConfigException("outbound_hard_limit (" + v.outboundHardLimit + ") must be at least buffer_high_watermark ("
                    + v.bufferHighWatermark + "), or the hard limit closes connections before reading from them is paused");
        }
        if (v.connectBurstPerIp != null && v.connectRatePerIp == 0) {
            throw new ConfigException("connect_burst_per_ip (" + v.connectBurstPerIp
                    + ") needs connect_rate_per_ip: the burst is the size of the rate limit's bucket");
        }
        if (v.outboundHardLimit > 0 && maxOutboundBytes() > v.outboundHardLimit) {
            throw new ConfigException("max_outbound_bytes (" + maxOutboundBytes() + ") must not exceed outbound_hard_limit ("
                    + v.outboundHardLimit + "), or the soft limit never applies");
        }
        if (v.pingBurst < 1) {
            throw new ConfigException("ping_burst (" + v.pingBurst + ") must be at least 1");
        }
        // Swoole's rule: idle time defaults to twice the check interval. Tether's wheel does not need
        // the interval to close on time, so given only an idle time it reports half of it.
        Duration idle = v.heartbeatIdleTime;
        Duration check = v.heartbeatCheckInterval;
        if (idle.isZero() && !check.isZero()) {
            idle = check.multipliedBy(2);
        } else if (!idle.isZero() && check.isZero()) {
            check = idle.dividedBy(2);
        }
        if (!idle.isZero() && check.compareTo(idle) > 0) {
            throw new ConfigException("heartbeat_check_interval (" + Values.format(check)
                    + ") must not exceed heartbeat_idle_time (" + Values.format(idle) + ")");
        }
        v.heartbeatIdleTime = idle;
        v.heartbeatCheckInterval = check;
        if (!idle.isZero() && !v.serverPingInterval.isZero() && v.serverPingInterval.compareTo(idle) >= 0) {
            throw new ConfigException("server_ping_interval (" + Values.format(v.serverPingInterval)
                    + ") must be shorter than heartbeat_idle_time (" + Values.format(idle)
                    + "), or the idle deadline closes connections before they are pinged");
        }
        if (!v.websocketPath.startsWith("/") || v.websocketPath.chars().anyMatch(ch -> ch <= ' ' || ch == '?' || ch == '#')) {
            throw new ConfigException("websocket_path: '" + v.websocketPath + "' must be an HTTP path starting with /, without spaces, ? or #");
        }
        TlsKeys.check(v.sslCertFile, v.sslKeyFile, v.sslVerifyPeer, v.sslClientCertFile, v.sslEngine);
    }

    private static List<String> splitOrigins(String origins) {
        return Arrays.stream(origins.split(",")).map(String::trim).filter(o -> !o.isEmpty()).toList();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values, to change a few. */
    public Builder toBuilder() {
        return v.copy();
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

    /** Every key the server accepts, in the order docs/CONFIG.md lists them. */
    public static final Settings<Builder> SETTINGS = ServerKeys.SETTINGS;

    public String host() { return v.host; }
    public int port() { return v.port; }
    public int workerNum() { return v.workerNum; }

    /**
     * worker_num when it is not set: three quarters of the cores, at least one (1 on 2 cores, 3 on
     * 4, 6 on 8). An event loop spends about 80 % of its time in the kernel's socket calls, on its
     * own core; what the kernel does outside the loops (a network card's receive work, about a
     * third of a core per saturated loop) and the JIT, GC and accept threads get the rest. On 2
     * cores one loop had 6x lower ping p99 than two (docs/BENCHMARKS.md, "Trims and defaults").
     */
    static int defaultWorkerNum(int cores) {
        return Math.max(1, cores * 3 / 4);
    }
    public int maxConnection() { return v.maxConnection; }
    /** 0 when off. */
    public int maxConnectionPerIp() { return v.maxConnectionPerIp; }
    /** New connections per second from one address; 0 when off. */
    public int connectRatePerIp() { return v.connectRatePerIp; }
    /** The rate limit's bucket (connect_rate_per_ip unless set); 0 when the rate limit is off. */
    public int connectBurstPerIp() { return v.connectRatePerIp == 0 ? 0 : v.connectBurstPerIp != null ? v.connectBurstPerIp : v.connectRatePerIp; }
    /** Zero when off. */
    public Duration handshakeTimeout() { return v.handshakeTimeout; }
    /** Zero when off. */
    public Duration packageTimeout() { return v.packageTimeout; }
    public int packageMaxLength() { return v.packageMaxLength; }
    public Framing framing() { return v.framing; }
    /** Key {@code open_websocket_protocol}; always true under framing websocket. */
    public boolean openWebsocketProtocol() { return v.openWebsocketProtocol || v.framing == Framing.WEBSOCKET; }
    /** Key {@code websocket_path}. */
    public String websocketPath() { return v.websocketPath; }
    /** Key {@code websocket_origins}: the allowed origins; empty for any. */
    public List<String> websocketOrigins() { return splitOrigins(v.websocketOrigins); }
    /** Key {@code websocket_compression}. */
    public boolean websocketCompression() { return v.websocketCompression; }
    /** Key {@code ssl_cert_file}; null when TLS is off. */
    public Path sslCertFile() { return v.sslCertFile; }
    /** Key {@code ssl_key_file}; null when TLS is off. */
    public Path sslKeyFile() { return v.sslKeyFile; }
    /** Key {@code ssl_verify_peer}: client certificates required and verified. */
    public boolean sslVerifyPeer() { return v.sslVerifyPeer; }
    /** Key {@code ssl_client_cert_file}; null: the JDK's trust store verifies client certificates. */
    public Path sslClientCertFile() { return v.sslClientCertFile; }
    /** Key {@code ssl_engine}, as configured ({@code auto} is resolved when the server is built). */
    public TlsEngine sslEngine() { return v.sslEngine; }
    /** True when connections speak TLS ({@code ssl_cert_file} is set). */
    public boolean tls() { return v.sslCertFile != null; }
    public int bufferHighWatermark() { return v.bufferHighWatermark; }
    public int bufferLowWatermark() { return v.bufferLowWatermark; }
    /** The soft limit in force (buffer_low_watermark unless set); 0 when off. */
    public long maxOutboundBytes() { return v.maxOutboundBytes != null ? v.maxOutboundBytes : v.bufferLowWatermark; }
    public Duration outboundSoftTime() { return v.outboundSoftTime; }
    /** 0 when off. */
    public long outboundHardLimit() { return v.outboundHardLimit; }
    public boolean openTcpKeepalive() { return v.openTcpKeepalive; }
    public Duration tcpKeepIdle() { return v.tcpKeepIdle; }
    public Duration tcpKeepInterval() { return v.tcpKeepInterval; }
    public int tcpKeepCount() { return v.tcpKeepCount; }
    public Duration tcpUserTimeout() { return v.tcpUserTimeout; }
    public Duration heartbeatIdleTime() { return v.heartbeatIdleTime; }
    public Duration heartbeatCheckInterval() { return v.heartbeatCheckInterval; }
    public Duration heartbeatTick() { return v.heartbeatTick; }
    public Duration serverPingInterval() { return v.serverPingInterval; }
    public Duration serverPingTimeout() { return v.serverPingTimeout; }
    public Duration pingMinInterval() { return v.pingMinInterval; }
    public int pingBurst() { return v.pingBurst; }
    public int pingStrikes() { return v.pingStrikes; }
    public Duration healthCacheTime() { return v.healthCacheTime; }
    public Duration healthCheckTimeout() { return v.healthCheckTimeout; }
    public HealthFailMode healthFailMode() { return v.healthFailMode; }
    public Duration shutdownTimeout() { return v.shutdownTimeout; }
    public String serverName() { return v.serverName; }
    public boolean openSessions() { return v.openSessions; }
    public Duration sessionResumeWindow() { return v.sessionResumeWindow; }
    public int sessionReplayBuffer() { return v.sessionReplayBuffer; }
    public long sessionReplayBytes() { return v.sessionReplayBytes; }
    public DuplicatePolicy sessionDuplicatePolicy() { return v.sessionDuplicatePolicy; }


    /** The config in one line, in the keys' names. */
    @Override
    public String toString() {
        return ServerConfigText.of(this);
    }

    /**
     * Collects values; {@link #build()} checks how they fit together. Its fields are the config's
     * values (a config keeps a private copy), so they must stay immutable types.
     */
    public static final class Builder implements Cloneable {
        private String host = "127.0.0.1";
        private int port = 9501;
        private int workerNum;
        private int maxConnection = 100_000;
        private int maxConnectionPerIp;
        private int connectRatePerIp;
        private Integer connectBurstPerIp;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration packageTimeout = Duration.ofSeconds(30);
        private int packageMaxLength = 2 * 1024 * 1024;
        private Framing framing = Framing.AUTO;
        private boolean openWebsocketProtocol;
        private String websocketPath = "/ws";
        private String websocketOrigins = "";
        private boolean websocketCompression;
        private Path sslCertFile;
        private Path sslKeyFile;
        private boolean sslVerifyPeer;
        private Path sslClientCertFile;
        private TlsEngine sslEngine = TlsEngine.AUTO;
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
        private int pingBurst = 10;
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
        /** Key {@code max_connection_per_ip}: connections at once from one source address; 0 turns it off. */
        public Builder maxConnectionPerIp(int v) { maxConnectionPerIp = v; return this; }
        /** Key {@code connect_rate_per_ip}: new connections per second from one source address; 0 turns it off. */
        public Builder connectRatePerIp(int v) { connectRatePerIp = v; return this; }
        /** Key {@code connect_burst_per_ip}: the rate limit's bucket; unset, it equals connect_rate_per_ip. */
        public Builder connectBurstPerIp(int v) { connectBurstPerIp = v; return this; }
        /** Key {@code handshake_timeout}: HELLO (or, under framing auto, the first byte) within this of connecting; zero turns it off. */
        public Builder handshakeTimeout(Duration v) { handshakeTimeout = v; return this; }
        /** Key {@code package_timeout}: a line or frame begun must be complete within this; zero turns it off. */
        public Builder packageTimeout(Duration v) { packageTimeout = v; return this; }
        public Builder packageMaxLength(int v) { packageMaxLength = v; return this; }
        public Builder framing(Framing v) { framing = v; return this; }
        /** Key {@code open_websocket_protocol}: WebSocket clients under framing auto (docs/WEBSOCKET.md). */
        public Builder openWebsocketProtocol(boolean v) { openWebsocketProtocol = v; return this; }
        /** Key {@code websocket_path}: the path of the upgrade, e.g. {@code /ws}. */
        public Builder websocketPath(String v) { websocketPath = v; return this; }
        /** Key {@code websocket_origins}: comma-separated allowed origins; empty for any. */
        public Builder websocketOrigins(String v) { websocketOrigins = v == null ? "" : v; return this; }
        /** Key {@code websocket_compression}: offer permessage-deflate. */
        public Builder websocketCompression(boolean v) { websocketCompression = v; return this; }
        /** Key {@code ssl_cert_file}: PEM certificate chain; turns TLS on (docs/TLS.md). Null turns it off. */
        public Builder sslCertFile(Path v) { sslCertFile = v; return this; }
        /** Key {@code ssl_key_file}: the certificate's PKCS#8 PEM private key. */
        public Builder sslKeyFile(Path v) { sslKeyFile = v; return this; }
        /** Key {@code ssl_verify_peer}: require and verify client certificates. */
        public Builder sslVerifyPeer(boolean v) { sslVerifyPeer = v; return this; }
        /** Key {@code ssl_client_cert_file}: PEM CA certificates for client certificates. */
        public Builder sslClientCertFile(Path v) { sslClientCertFile = v; return this; }
        /** Key {@code ssl_engine}: {@code AUTO} (default), {@code JDK} or {@code OPENSSL}. */
        public Builder sslEngine(TlsEngine v) { sslEngine = java.util.Objects.requireNonNull(v, "sslEngine"); return this; }
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
        /** Key {@code ping_burst}: pings a connection may send at once before ping_min_interval limits it. */
        public Builder pingBurst(int v) { pingBurst = v; return this; }
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

        /** A copy; every field holds an immutable value, so a shallow one is a full one. */
        Builder copy() {
            try {
                return (Builder) super.clone();
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
