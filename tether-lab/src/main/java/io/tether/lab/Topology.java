package io.tether.lab;

/** How a scenario's namespaces are wired. */
public enum Topology {
    /** server namespace -- veth -- client namespace. */
    DIRECT,
    /** server -- middlebox doing NAT (MASQUERADE, conntrack) -- client. */
    NAT,
    /** server -- middlebox running a socat TCP proxy -- client; the client dials the proxy. */
    PROXY
}
