package io.tether.lab;

/**
 * The liveness settings the lab compares: which server keys each turns on, and how the peer
 * behaves so that a healthy connection is never closed by that setting.
 */
public enum Liveness {
    NONE("none"),
    KEEPALIVE("keepalive"),
    KEEPALIVE_UT("keepalive+UT"),
    IDLE("idle deadline"),
    SERVER_PING("server ping"),
    CLIENT_PING("client ping");

    private final String label;

    Liveness(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Server config keys (ServerConfig names) for this setting. */
    public String serverKeys(Timings t) {
        // Fast client pings are what the lab wants here; the too-many-pings guard is off.
        String base = "worker_num=1,ping_min_interval=0";
        switch (this) {
            case KEEPALIVE:
                return base + "," + keepalive(t);
            case KEEPALIVE_UT:
                return base + "," + keepalive(t) + ",tcp_user_timeout=" + t.userTimeoutMs() + "ms";
            case IDLE:
            case CLIENT_PING:
                return base + ",heartbeat_idle_time=" + t.idleMs() + "ms";
            case SERVER_PING:
                return base + ",server_ping_interval=" + t.serverPingMs() + "ms,server_ping_timeout=" + t.serverPingTimeoutMs() + "ms";
            default:
                return base;
        }
    }

    private static String keepalive(Timings t) {
        return "open_tcp_keepalive=true,tcp_keepidle=" + t.keepIdleS() + "s,tcp_keepinterval=" + t.keepIntervalS()
                + "s,tcp_keepcount=" + t.keepCount();
    }

    /** How the peer behaves under this setting: silent where the server asks nothing of it. */
    public PeerMode peerMode(boolean keepsPinging) {
        switch (this) {
            case IDLE:
                return PeerMode.DATA;
            case SERVER_PING:
                return keepsPinging ? PeerMode.FRAME_PING : PeerMode.FRAME_ANSWER;
            case CLIENT_PING:
                return PeerMode.FRAME_PING;
            default:
                return keepsPinging ? PeerMode.LINE_PING : PeerMode.SILENT;
        }
    }

    /** Short text of what this setting promises, for the report. */
    public String promise(Timings t) {
        switch (this) {
            case KEEPALIVE:
                return "keepidle " + t.keepIdleS() + "s + " + t.keepCount() + " x " + t.keepIntervalS() + "s";
            case KEEPALIVE_UT:
                return "keepalive as above; user timeout " + t.userTimeoutMs() + "ms";
            case IDLE:
                return "idle " + t.idleMs() + "ms; peer sends data every " + t.clientEveryMs() + "ms";
            case SERVER_PING:
                return "ping after " + t.serverPingMs() + "ms silence, timeout " + t.serverPingTimeoutMs() + "ms";
            case CLIENT_PING:
                return "idle " + t.idleMs() + "ms; peer PINGs every " + t.clientEveryMs() + "ms";
            default:
                return "nothing";
        }
    }
}
