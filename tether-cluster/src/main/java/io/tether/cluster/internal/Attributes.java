package io.tether.cluster.internal;

import io.tether.cluster.AttributeCodec;
import io.tether.server.session.Session;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's attributes as one value in Redis: a count, then each name and the application
 * codec's bytes for its value, in name order (so unchanged attributes give the same bytes and are
 * not written again). An attribute the codec refuses is left out, with one error per session and
 * name.
 */
final class Attributes {
    private static final Logger log = LoggerFactory.getLogger("io.tether.cluster");
    private final AttributeCodec codec;
    private final long maxBytes;
    /** "session id\nattribute" already reported, so a refused attribute logs once, not per message. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    Attributes(AttributeCodec codec, long maxBytes) {
        this.codec = codec;
        this.maxBytes = maxBytes;
    }

    byte[] encode(Session s) {
        Map<String, Object> now = new TreeMap<>(s.attributes());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            Map<String, byte[]> kept = new TreeMap<>();
            now.forEach((name, value) -> {
                try {
                    kept.put(name, codec.encode(name, value));
                } catch (RuntimeException e) {
                    if (reported.add(s.id() + "\n" + name)) {
                        log.error("{}: attribute '{}' ({}) is not kept in Redis and will be missing if the session moves to "
                                + "another node: {}", s, name, value == null ? "null" : value.getClass().getName(), e.getMessage());
                    }
                }
            });
            out.writeInt(kept.size());
            for (Map.Entry<String, byte[]> e : kept.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.size() > maxBytes) {
            if (reported.add(s.id() + "\n")) {
                log.error("{}: its attributes take {} bytes, more than cluster_session_max_bytes {}; they are not kept in Redis",
                        s, bytes.size(), maxBytes);
            }
            return new byte[4];
        }
        return bytes.toByteArray();
    }

    Map<String, Object> decode(byte[] blob) {
        Map<String, Object> m = new HashMap<>();
        if (blob == null || blob.length < 4) {
            return m;
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(blob))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                byte[] v = new byte[in.readInt()];
                in.readFully(v);
                try {
                    m.put(name, codec.decode(name, v));
                } catch (RuntimeException e) {
                    log.error("attribute '{}' could not be decoded from Redis and is left out: {}", name, e.getMessage());
                }
            }
        } catch (IOException e) {
            log.error("a kept session's attributes in Redis are malformed and are left out: {}", e.toString());
        }
        return m;
    }

    /** Forgets what was reported for a session that ended. */
    void forget(Session s) {
        reported.removeIf(k -> k.startsWith(s.id() + "\n"));
    }
}
