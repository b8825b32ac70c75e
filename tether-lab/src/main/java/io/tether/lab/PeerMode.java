package io.tether.lab;

/** What a lab peer does on its connection. */
public enum PeerMode {
    /** Line client: one {@code hello} line (so the server knows it is a line client), then silence. */
    SILENT(false),
    /** Line client sending an application line every interval: life for the idle deadline. */
    DATA(false),
    /** Line client sending {@code ping} every interval. */
    LINE_PING(false),
    /** Frame client that answers every server PING with PONG(id) and sends nothing else. */
    FRAME_ANSWER(true),
    /** Frame client that PINGs every interval (and answers server PINGs). */
    FRAME_PING(true);

    private final boolean frames;

    PeerMode(boolean frames) {
        this.frames = frames;
    }

    /** True when the peer speaks the frame protocol. */
    public boolean frames() {
        return frames;
    }
}
