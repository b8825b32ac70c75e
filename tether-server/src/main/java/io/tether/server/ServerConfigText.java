package io.tether.server;

import io.tether.core.config.Values;
import java.util.Locale;

/** {@link ServerConfig#toString()}: the config in one line, in the keys' own names. */
final class ServerConfigText {
    private ServerConfigText() {
    }

    static String of(ServerConfig c) {
        return "ServerConfig{" + c.host() + ":" + c.port() + ", worker_num=" + c.workerNum() + ", framing=" + c.framing().name().toLowerCase(Locale.ROOT)
                + (c.openWebsocketProtocol() ? ", websocket=" + c.websocketPath() + (c.websocketCompression() ? " (deflate)" : "") : "")
                + ", max_connection=" + c.maxConnection() + (c.maxConnectionPerIp() > 0 ? "/" + c.maxConnectionPerIp() + " per ip" : "")
                + (c.connectRatePerIp() > 0 ? ", connect_rate_per_ip=" + c.connectRatePerIp() + "/s burst " + c.connectBurstPerIp() : "")
                + ", handshake_timeout=" + Values.format(c.handshakeTimeout()) + ", package_timeout=" + Values.format(c.packageTimeout())
                + ", package_max_length=" + c.packageMaxLength()
                + ", buffer_watermarks=" + c.bufferLowWatermark() + "/" + c.bufferHighWatermark()
                + ", max_outbound_bytes=" + c.maxOutboundBytes() + "/" + Values.format(c.outboundSoftTime())
                + ", outbound_hard_limit=" + c.outboundHardLimit()
                + ", keepalive=" + (c.openTcpKeepalive() ? Values.format(c.tcpKeepIdle()) + "/" + Values.format(c.tcpKeepInterval()) + "/" + c.tcpKeepCount() : "off")
                + ", tcp_user_timeout=" + Values.format(c.tcpUserTimeout())
                + ", heartbeat_idle_time=" + Values.format(c.heartbeatIdleTime())
                + ", heartbeat_check_interval=" + Values.format(c.heartbeatCheckInterval())
                + ", server_ping=" + (c.serverPingInterval().isZero() ? "off" : Values.format(c.serverPingInterval()) + "/" + Values.format(c.serverPingTimeout()))
                + ", ping_min_interval=" + Values.format(c.pingMinInterval()) + "/" + c.pingBurst()
                + ", tls=" + (c.sslCertFile() == null ? "off" : c.sslCertFile() + " (" + c.sslEngine().text() + (c.sslVerifyPeer() ? ", client certificates required" : "") + ")") + "}";
    }
}
