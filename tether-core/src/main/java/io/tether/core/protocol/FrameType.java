package io.tether.core.protocol;

/** The one-byte type that opens every frame of the frame protocol (docs/PROTOCOL.md). */
public enum FrameType {
    HELLO(0x01), WELCOME(0x02), DATA(0x03), PING(0x04), PONG(0x05), CLOSE(0x06), NOTICE(0x07),
    /** Sessions: a sequenced application message (docs/PROTOCOL.md, Sessions). */
    SEQ_DATA(0x08),
    /** Sessions: cumulative acknowledgement of sequenced messages. */
    ACK(0x09);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    /** The type for a wire byte, or null when this version does not know it. */
    public static FrameType fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
