package io.tether.cluster;

/**
 * Turns a session attribute into bytes for Redis and back, so a session's attributes come back
 * when it resumes on another node (docs/CLUSTER.md, "Sessions that move between nodes"). Register
 * your own with {@link ClusterConfig.Builder#attributeCodec} for your types; {@link #BASIC} (the
 * default) keeps {@code String}, {@code Integer}, {@code Long}, {@code Boolean}, {@code Double}
 * and {@code byte[]}.
 *
 * <p>An attribute the codec cannot encode is not kept: its node logs an error naming the session,
 * the attribute and its type once, and the attribute is missing after a move. It stays as it is
 * on the node that holds the session.
 */
public interface AttributeCodec {

    /**
     * The bytes of {@code value}, the attribute {@code name}.
     *
     * @throws IllegalArgumentException when this codec does not know the value's type
     */
    byte[] encode(String name, Object value);

    /** The value {@link #encode} gave {@code bytes} for. */
    Object decode(String name, byte[] bytes);

    /** String, Integer, Long, Boolean, Double and byte[], tagged by one leading byte. */
    AttributeCodec BASIC = new BasicAttributeCodec();
}
