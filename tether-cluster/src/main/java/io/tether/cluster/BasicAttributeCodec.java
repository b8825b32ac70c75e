package io.tether.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** {@link AttributeCodec#BASIC}: a type byte, then the value. */
final class BasicAttributeCodec implements AttributeCodec {

    @Override
    public byte[] encode(String name, Object v) {
        if (v instanceof String s) {
            return tagged('s', s.getBytes(StandardCharsets.UTF_8));
        } else if (v instanceof Integer i) {
            return ByteBuffer.allocate(5).put((byte) 'i').putInt(i).array();
        } else if (v instanceof Long l) {
            return ByteBuffer.allocate(9).put((byte) 'l').putLong(l).array();
        } else if (v instanceof Double d) {
            return ByteBuffer.allocate(9).put((byte) 'd').putDouble(d).array();
        } else if (v instanceof Boolean b) {
            return new byte[] {'b', (byte) (b ? 1 : 0)};
        } else if (v instanceof byte[] bytes) {
            return tagged('x', bytes);
        }
        throw new IllegalArgumentException("attribute '" + name + "' is a " + (v == null ? "null" : v.getClass().getName())
                + ", which the basic codec cannot keep (String, Integer, Long, Boolean, Double, byte[]): register an "
                + "AttributeCodec with ClusterConfig.Builder.attributeCodec");
    }

    @Override
    public Object decode(String name, byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b, 1, b.length - 1);
        switch (b[0]) {
            case 's': return new String(b, 1, b.length - 1, StandardCharsets.UTF_8);
            case 'i': return buf.getInt();
            case 'l': return buf.getLong();
            case 'd': return buf.getDouble();
            case 'b': return b[1] != 0;
            case 'x': return Arrays.copyOfRange(b, 1, b.length);
            default: throw new IllegalArgumentException("attribute '" + name + "': type byte " + b[0] + " is not the basic codec's");
        }
    }

    private static byte[] tagged(char tag, byte[] value) {
        byte[] out = new byte[value.length + 1];
        out[0] = (byte) tag;
        System.arraycopy(value, 0, out, 1, value.length);
        return out;
    }
}
