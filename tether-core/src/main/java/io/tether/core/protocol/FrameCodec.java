package io.tether.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Bytes to frames and back, independent of any channel. Layout (docs/PROTOCOL.md): a client
 * opens with the 5-byte {@link #PREAMBLE}; every frame is {@code type:u8 length:u32 payload},
 * big-endian, where length counts payload bytes only. HELLO and WELCOME payloads are TLV
 * fields ({@code tag:u8 length:u16 value}); unknown tags are skipped so later versions can add
 * fields, while a known tag must come at most once and with its value's exact length, and a
 * WELCOME must carry the fields a client needs (docs/PROTOCOL.md, "TLV fields").
 */
public final class FrameCodec {

    /** 0xFF is never the first byte of UTF-8 text, so one byte tells a frame client from a line client. */
    public static final byte[] PREAMBLE = {(byte) 0xFF, 'T', 'H', 'R', 0x01};
    public static final int PROTOCOL_VERSION = 1;
    public static final int HEADER_LENGTH = 5;
    /**
     * Largest HELLO payload a server accepts, whatever its {@code package_max_length}: a client
     * sends its HELLO before WELCOME tells it the server's limit, so this one is fixed by the
     * protocol (docs/PROTOCOL.md, "Frame sizes").
     */
    public static final int MAX_HELLO_LENGTH = 4096;
    /** Payload bytes a SEQ_DATA frame spends on its sequence number, within the peer's frame limit. */
    public static final int SEQ_LENGTH = 8;

    static final int HELLO_CLIENT_NAME = 0x01;
    static final int HELLO_HEARTBEAT_MS = 0x02;
    static final int HELLO_RESUME_TOKEN = 0x03;
    static final int HELLO_RECEIVED_SEQ = 0x04;

    static final int WELCOME_CONNECTION_ID = 0x01;
    static final int WELCOME_IDLE_MS = 0x02;
    static final int WELCOME_SERVER_PING_INTERVAL_MS = 0x03;
    static final int WELCOME_SERVER_PING_TIMEOUT_MS = 0x04;
    static final int WELCOME_MIN_PING_INTERVAL_MS = 0x05;
    static final int WELCOME_MAX_FRAME_LENGTH = 0x06;
    static final int WELCOME_SERVER_NAME = 0x07;
    static final int WELCOME_RESUME_TOKEN = 0x08;
    static final int WELCOME_RESUMED = 0x09;
    static final int WELCOME_RECEIVED_SEQ = 0x0A;

    private FrameCodec() {
    }

    /**
     * Consumes the 5-byte preamble a frame client opens with, or throws naming what is wrong.
     * The caller makes sure 5 bytes are readable.
     */
    public static void readPreamble(ByteBuf in) {
        int start = in.readerIndex();
        for (int i = 0; i < 4; i++) {
            if (in.getByte(start + i) != PREAMBLE[i]) {
                throw new ProtocolException("bad preamble: expected FF 54 48 52 01 (0xFF 'THR', version 1)");
            }
        }
        int version = in.getUnsignedByte(start + 4);
        if (version != PROTOCOL_VERSION) {
            throw new ProtocolException("unsupported protocol version " + version + "; this server speaks "
                    + PROTOCOL_VERSION);
        }
        in.skipBytes(PREAMBLE.length);
    }

    /**
     * How many bytes {@link #encode} appends for {@code frame}, header included; so a writer can
     * allocate the buffer once, at its final size.
     */
    public static int encodedLength(Frame frame) {
        int payload;
        if (frame instanceof Frame.Data d) {
            payload = d.payload().length;
        } else if (frame instanceof Frame.SeqData d) {
            payload = 8 + d.payload().length;
        } else if (frame instanceof Frame.Ping || frame instanceof Frame.Ack) {
            payload = 8;
        } else if (frame instanceof Frame.Pong p) {
            payload = 9 + ByteBufUtil.utf8Bytes(p.detail());
        } else if (frame instanceof Frame.Close c) {
            payload = 2 + ByteBufUtil.utf8Bytes(c.reason());
        } else if (frame instanceof Frame.Notice n) {
            payload = 6 + ByteBufUtil.utf8Bytes(n.text());
        } else if (frame instanceof Frame.Hello h) {
            payload = 3 + ByteBufUtil.utf8Bytes(h.clientName()) + 7 + (h.hasResumeToken() ? 3 + h.resumeToken().length : 0)
                    + (h.sequenced() ? 11 : 0);
        } else if (frame instanceof Frame.Welcome w) {
            int token = w.resumeToken().length;
            payload = 11 + 5 * 7 + 3 + ByteBufUtil.utf8Bytes(w.serverName()) + (token > 0 ? 3 + token : 0)
                    + (w.resumed() ? 4 : 0) + (w.sequenced() ? 11 : 0);
        } else {
            throw new IllegalArgumentException("unknown frame " + frame);
        }
        return HEADER_LENGTH + payload;
    }

    /** Appends one frame's bytes to {@code out}. */
    public static void encode(Frame frame, ByteBuf out) {
        out.writeByte(frame.type().code());
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        int start = out.writerIndex();
        if (frame instanceof Frame.Hello h) {
            writeText(out, HELLO_CLIENT_NAME, h.clientName());
            writeU32(out, HELLO_HEARTBEAT_MS, h.heartbeatIntervalMillis());
            if (h.hasResumeToken()) { // even an empty one: absent and empty mean different things
                writeBytes(out, HELLO_RESUME_TOKEN, h.resumeToken());
            }
            if (h.sequenced()) {
                out.writeByte(HELLO_RECEIVED_SEQ).writeShort(8).writeLong(h.receivedSeq());
            }
        } else if (frame instanceof Frame.Welcome w) {
            out.writeByte(WELCOME_CONNECTION_ID).writeShort(8).writeLong(w.connectionId());
            writeU32(out, WELCOME_IDLE_MS, w.idleTimeoutMillis());
            writeU32(out, WELCOME_SERVER_PING_INTERVAL_MS, w.serverPingIntervalMillis());
            writeU32(out, WELCOME_SERVER_PING_TIMEOUT_MS, w.serverPingTimeoutMillis());
            writeU32(out, WELCOME_MIN_PING_INTERVAL_MS, w.minPingIntervalMillis());
            writeU32(out, WELCOME_MAX_FRAME_LENGTH, w.maxFrameLength());
            writeText(out, WELCOME_SERVER_NAME, w.serverName());
            byte[] token = w.resumeToken();
            if (token.length > 0) {
                writeBytes(out, WELCOME_RESUME_TOKEN, token);
            }
            if (w.resumed()) {
                out.writeByte(WELCOME_RESUMED).writeShort(1).writeByte(1);
            }
            if (w.sequenced()) {
                out.writeByte(WELCOME_RECEIVED_SEQ).writeShort(8).writeLong(w.receivedSeq());
            }
        } else if (frame instanceof Frame.Data d) {
            out.writeBytes(d.payload());
        } else if (frame instanceof Frame.Ping p) {
            out.writeLong(p.id());
        } else if (frame instanceof Frame.Pong p) {
            out.writeLong(p.id());
            out.writeByte(p.healthy() ? 0 : 1);
            out.writeCharSequence(p.detail(), StandardCharsets.UTF_8);
        } else if (frame instanceof Frame.Close c) {
            out.writeShort(c.code());
            out.writeCharSequence(c.reason(), StandardCharsets.UTF_8);
        } else if (frame instanceof Frame.SeqData d) {
            out.writeLong(d.seq());
            out.writeBytes(d.payload());
        } else if (frame instanceof Frame.Ack a) {
            out.writeLong(a.seq());
        } else if (frame instanceof Frame.Notice n) {
            out.writeShort(n.code());
            out.writeInt((int) Math.min(n.value(), 0xFFFF_FFFFL));
            out.writeCharSequence(n.text(), StandardCharsets.UTF_8);
        }
        out.setInt(lengthIndex, out.writerIndex() - start);
    }

    /**
     * Reads one frame from {@code in}, or returns null (consuming nothing) when the frame is not
     * complete yet. A frame whose declared length exceeds {@code maxPayloadLength} is refused as
     * soon as its header arrives, before its payload is buffered.
     *
     * @throws ProtocolException for an unknown type, an oversized or a malformed frame
     */
    public static Frame decode(ByteBuf in, int maxPayloadLength) {
        if (in.readableBytes() < HEADER_LENGTH) {
            return null;
        }
        int start = in.readerIndex();
        int typeCode = in.getUnsignedByte(start);
        long length = in.getUnsignedInt(start + 1);
        FrameType type = FrameType.fromCode(typeCode);
        if (type == null) {
            throw new ProtocolException(String.format("unknown frame type 0x%02x", typeCode));
        }
        if (length > maxPayloadLength) {
            throw new ProtocolException(type + " frame of " + length + " bytes exceeds package_max_length " + maxPayloadLength);
        }
        if (in.readableBytes() < HEADER_LENGTH + length) {
            return null;
        }
        in.skipBytes(HEADER_LENGTH);
        ByteBuf payload = in.readSlice((int) length);
        return decodePayload(type, payload);
    }

    /**
     * Reads a client's first frame, which must be a HELLO of at most {@link #MAX_HELLO_LENGTH}
     * payload bytes, or returns null (consuming nothing) when it is not complete yet. Both are
     * judged from the header alone, before the payload is buffered.
     *
     * @throws ProtocolException for another type, an oversized HELLO or a malformed one
     */
    public static Frame.Hello decodeHello(ByteBuf in) {
        if (in.readableBytes() < HEADER_LENGTH) {
            return null;
        }
        int start = in.readerIndex();
        int typeCode = in.getUnsignedByte(start);
        long length = in.getUnsignedInt(start + 1);
        FrameType type = FrameType.fromCode(typeCode);
        if (type != FrameType.HELLO) {
            throw new ProtocolException("expected HELLO as the first frame, got "
                    + (type == null ? String.format("unknown frame type 0x%02x", typeCode) : type));
        }
        if (length > MAX_HELLO_LENGTH) {
            throw new ProtocolException("HELLO of " + length + " bytes exceeds the HELLO limit of " + MAX_HELLO_LENGTH + " bytes");
        }
        return (Frame.Hello) decode(in, MAX_HELLO_LENGTH); // type and length are judged: what is left is decode's
    }

    private static Frame decodePayload(FrameType type, ByteBuf p) {
        return switch (type) {
            case HELLO -> helloPayload(p);
            case WELCOME -> decodeWelcome(p);
            case DATA -> {
                byte[] bytes = new byte[p.readableBytes()];
                p.readBytes(bytes);
                yield new Frame.Data(bytes);
            }
            case PING -> {
                exact(type, p, 8);
                yield new Frame.Ping(p.readLong());
            }
            case PONG -> {
                atLeast(type, p, 9);
                long id = p.readLong();
                int status = p.readUnsignedByte();
                if (status > 1) {
                    throw new ProtocolException("PONG status " + status + " is not 0 (healthy) or 1 (unhealthy)");
                }
                yield new Frame.Pong(id, status == 0, text(p));
            }
            case CLOSE -> {
                atLeast(type, p, 2);
                yield new Frame.Close(p.readUnsignedShort(), text(p));
            }
            case NOTICE -> {
                atLeast(type, p, 6);
                yield new Frame.Notice(p.readUnsignedShort(), p.readUnsignedInt(), text(p));
            }
            case SEQ_DATA -> {
                atLeast(type, p, 8);
                long seq = p.readLong();
                if (seq < 1) {
                    throw new ProtocolException("SEQ_DATA sequence number must be at least 1, got " + Long.toUnsignedString(seq));
                }
                byte[] bytes = new byte[p.readableBytes()];
                p.readBytes(bytes);
                yield new Frame.SeqData(seq, bytes);
            }
            case ACK -> {
                exact(type, p, 8);
                long seq = p.readLong();
                if (seq < 0) {
                    throw new ProtocolException("ACK sequence number " + Long.toUnsignedString(seq) + " is out of range");
                }
                yield new Frame.Ack(seq);
            }
        };
    }

    private static Frame.Hello helloPayload(ByteBuf p) {
        String name = "";
        long heartbeat = 0;
        byte[] token = null;
        long receivedSeq = Frame.Hello.NOT_SEQUENCED;
        int seen = 0; // bit i: known tag i came already
        while (p.isReadable()) {
            int tag = p.readUnsignedByte();
            ByteBuf v = field(FrameType.HELLO, tag, p);
            if (tag >= HELLO_CLIENT_NAME && tag <= HELLO_RECEIVED_SEQ) {
                seen = once(FrameType.HELLO, tag, seen);
            }
            switch (tag) {
                case HELLO_CLIENT_NAME -> name = text(v);
                case HELLO_HEARTBEAT_MS -> heartbeat = u32(FrameType.HELLO, tag, v);
                case HELLO_RESUME_TOKEN -> token = bytes(v); // any length: a misshapen token is a refused resume (1104)
                case HELLO_RECEIVED_SEQ -> receivedSeq = seq(FrameType.HELLO, tag, v);
                default -> { } // a field from a newer version: skip it
            }
        }
        return new Frame.Hello(name, heartbeat, token, receivedSeq);
    }

    /** WELCOME fields 1 to 6: what a client needs to keep the connection and to size its frames. */
    private static final int WELCOME_REQUIRED = 0b111_1110;
    private static final String[] WELCOME_NAMES = {"", "connection id", "idle timeout", "server ping interval",
        "server ping timeout", "minimum ping interval", "max frame length", "server name", "resume token", "resumed",
        "received seq"};

    private static Frame.Welcome decodeWelcome(ByteBuf p) {
        long id = 0, idle = 0, pingInterval = 0, pingTimeout = 0, minPing = 0, maxFrame = 0;
        String name = "";
        byte[] token = null;
        boolean resumed = false;
        long receivedSeq = Frame.Hello.NOT_SEQUENCED;
        int seen = 0;
        while (p.isReadable()) {
            int tag = p.readUnsignedByte();
            ByteBuf v = field(FrameType.WELCOME, tag, p);
            if (tag >= WELCOME_CONNECTION_ID && tag <= WELCOME_RECEIVED_SEQ) {
                seen = once(FrameType.WELCOME, tag, seen);
            }
            switch (tag) {
                case WELCOME_CONNECTION_ID -> {
                    exactField(FrameType.WELCOME, tag, v, 8);
                    id = v.readLong();
                }
                case WELCOME_IDLE_MS -> idle = u32(FrameType.WELCOME, tag, v);
                case WELCOME_SERVER_PING_INTERVAL_MS -> pingInterval = u32(FrameType.WELCOME, tag, v);
                case WELCOME_SERVER_PING_TIMEOUT_MS -> pingTimeout = u32(FrameType.WELCOME, tag, v);
                case WELCOME_MIN_PING_INTERVAL_MS -> minPing = u32(FrameType.WELCOME, tag, v);
                case WELCOME_MAX_FRAME_LENGTH -> maxFrame = u32(FrameType.WELCOME, tag, v);
                case WELCOME_SERVER_NAME -> name = text(v);
                case WELCOME_RESUME_TOKEN -> {
                    exactField(FrameType.WELCOME, tag, v, Frame.Hello.RESUME_TOKEN_LENGTH);
                    token = bytes(v);
                }
                case WELCOME_RESUMED -> {
                    exactField(FrameType.WELCOME, tag, v, 1);
                    int b = v.readUnsignedByte();
                    if (b > 1) {
                        throw new ProtocolException("WELCOME field 9 (resumed) must be 0 or 1, got " + b);
                    }
                    resumed = b == 1;
                }
                case WELCOME_RECEIVED_SEQ -> receivedSeq = seq(FrameType.WELCOME, tag, v);
                default -> { } // a field from a newer version: skip it
            }
        }
        int missing = WELCOME_REQUIRED & ~seen;
        if (missing != 0) {
            int tag = Integer.numberOfTrailingZeros(missing);
            throw new ProtocolException("WELCOME lacks field " + tag + " (" + WELCOME_NAMES[tag] + ")");
        }
        if (receivedSeq < 0 && (seen & (1 << WELCOME_RESUME_TOKEN | 1 << WELCOME_RESUMED)) != 0) {
            int tag = (seen & 1 << WELCOME_RESUME_TOKEN) != 0 ? WELCOME_RESUME_TOKEN : WELCOME_RESUMED;
            throw new ProtocolException("WELCOME field " + tag + " (" + WELCOME_NAMES[tag]
                    + ") without field 10 (received seq): only a sequenced session has one");
        }
        return new Frame.Welcome(id, idle, pingInterval, pingTimeout, minPing, maxFrame, name, token, resumed, receivedSeq);
    }

    /** Marks known {@code tag} as seen, or throws when it came before: a known field appears at most once. */
    private static int once(FrameType type, int tag, int seen) {
        int bit = 1 << tag;
        if ((seen & bit) != 0) {
            throw new ProtocolException(type + " field " + tag + " appears twice");
        }
        return seen | bit;
    }

    private static void exactField(FrameType type, int tag, ByteBuf v, int n) {
        if (v.readableBytes() != n) {
            throw new ProtocolException(type + " field " + tag + " (" + WELCOME_NAMES[tag] + ") must be " + n + " bytes, got "
                    + v.readableBytes());
        }
    }

    private static ByteBuf field(FrameType type, int tag, ByteBuf p) {
        if (p.readableBytes() < 2) {
            throw new ProtocolException(type + " field " + tag + " is cut off before its length");
        }
        int len = p.readUnsignedShort();
        if (p.readableBytes() < len) {
            throw new ProtocolException(type + " field " + tag + " declares " + len + " bytes but only "
                    + p.readableBytes() + " remain");
        }
        return p.readSlice(len);
    }

    private static long u32(FrameType type, int tag, ByteBuf v) {
        if (v.readableBytes() != 4) {
            throw new ProtocolException(type + " field " + tag + " must be 4 bytes, got " + v.readableBytes());
        }
        return v.readUnsignedInt();
    }

    private static long seq(FrameType type, int tag, ByteBuf v) {
        if (v.readableBytes() != 8) {
            throw new ProtocolException(type + " field " + tag + " (received seq) must be 8 bytes, got " + v.readableBytes());
        }
        long seq = v.readLong();
        if (seq < 0) {
            throw new ProtocolException(type + " field " + tag + " (received seq) is out of range");
        }
        return seq;
    }

    private static void exact(FrameType type, ByteBuf p, int n) {
        if (p.readableBytes() != n) {
            throw new ProtocolException(type + " payload must be " + n + " bytes, got " + p.readableBytes());
        }
    }

    private static void atLeast(FrameType type, ByteBuf p, int n) {
        if (p.readableBytes() < n) {
            throw new ProtocolException(type + " payload must be at least " + n + " bytes, got " + p.readableBytes());
        }
    }

    private static String text(ByteBuf p) {
        String s = p.toString(StandardCharsets.UTF_8);
        p.skipBytes(p.readableBytes());
        return s;
    }

    private static byte[] bytes(ByteBuf v) {
        byte[] b = new byte[v.readableBytes()];
        v.readBytes(b);
        return b;
    }

    private static void writeU32(ByteBuf out, int tag, long value) {
        out.writeByte(tag).writeShort(4).writeInt((int) Math.min(Math.max(value, 0), 0xFFFF_FFFFL));
    }

    private static void writeText(ByteBuf out, int tag, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        writeBytes(out, tag, b);
    }

    private static void writeBytes(ByteBuf out, int tag, byte[] b) {
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("field " + tag + " is " + b.length + " bytes; at most 65535 fit");
        }
        out.writeByte(tag).writeShort(b.length).writeBytes(b);
    }
}
