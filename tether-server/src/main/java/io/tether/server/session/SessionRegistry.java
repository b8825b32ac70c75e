package io.tether.server.session;

import io.tether.server.ServerConfig.DuplicatePolicy;
import io.tether.server.Connection;
import io.tether.server.spi.SessionConnection;
import org.jctools.maps.NonBlockingHashMapLong;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Who is where: the live sessions by id and by connection, the users they are bound to (under the
 * duplicate policy) and the groups they joined, with the look-ups and fan-out sends of
 * {@link Sessions}. Thread safe; binds are serialized by one lock so the policy sees every bind.
 *
 * <p>Sessions and connections are indexed by number ({@code "s17"} is 17) in
 * JCTools' {@link NonBlockingHashMapLong}s: no node or boxed key per session, lock-free reads
 * on the per-frame path.
 */
final class SessionRegistry {
    private final DuplicatePolicy policy;
    private final NonBlockingHashMapLong<SessionImpl> byId = new NonBlockingHashMapLong<>();
    private final NonBlockingHashMapLong<SessionImpl> byConnection = new NonBlockingHashMapLong<>();
    /** User to sessions, in bind order; the lists are replaced, never changed, under {@link #bindLock}. */
    private final Map<String, List<SessionImpl>> users = new ConcurrentHashMap<>();
    private final Map<String, Set<SessionImpl>> groups = new ConcurrentHashMap<>();
    private final Object bindLock = new Object();
    private final AtomicLong nextId = new AtomicLong(1);

    SessionRegistry(DuplicatePolicy policy) {
        this.policy = policy;
    }

    // ------------------------------------------------------------------ sessions and connections

    /** The number of a fresh session id. */
    long nextId() {
        return nextId.getAndIncrement();
    }

    /** A new session on connection {@code c}. */
    void add(SessionImpl s, SessionConnection c) {
        byId.put(s.number(), s);
        byConnection.put(c.id(), s);
    }

    /** {@code s} resumed on connection {@code c}. */
    void attach(SessionConnection c, SessionImpl s) {
        byConnection.put(c.id(), s);
    }

    /** The session on connection {@code c}, or null. */
    SessionImpl of(Connection c) {
        return byConnection.get(c.id());
    }

    /** Connection {@code c} closed: forgets it and returns the session it carried, or null. */
    SessionImpl detach(SessionConnection c) {
        return byConnection.remove(c.id());
    }

    /** Takes an ended session out of every registry (its connection mapping goes when the connection closes). */
    void unregister(SessionImpl s) {
        byId.remove(s.number(), s);
        unbind(s);
        Set<String> joined = s.groupSet();
        if (joined != null) {
            for (String g : joined) {
                removeFromGroup(s, g);
            }
        }
    }

    /** Calls {@code action} for each live session. */
    void forEach(Consumer<SessionImpl> action) {
        byId.values().forEach(action);
    }

    // ------------------------------------------------------------------ look-ups and fan-out

    Session get(String sessionId) {
        long n = number(sessionId);
        return n < 0 ? null : byId.get(n);
    }

    /** 17 for {@code "s17"}; -1 for anything that is not an id as {@link SessionImpl#id()} writes it. */
    private static long number(String id) {
        if (id.length() < 2 || id.charAt(0) != 's' || id.charAt(1) < '1' || id.charAt(1) > '9') {
            return -1;
        }
        try {
            return Long.parseLong(id, 1, id.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    Session ofUser(String userId) {
        List<SessionImpl> list = users.get(userId);
        return list == null || list.isEmpty() ? null : list.get(list.size() - 1);
    }

    List<Session> allOfUser(String userId) {
        List<SessionImpl> list = users.get(userId);
        return list == null ? List.of() : List.copyOf(list);
    }

    Set<Session> members(String group) {
        Set<SessionImpl> set = groups.get(group);
        return set == null ? Set.of() : Set.copyOf(set);
    }

    Collection<Session> all() {
        return List.copyOf(byId.values());
    }

    int count() {
        return byId.size();
    }

    int userCount() {
        return users.size();
    }

    int sendToUser(String userId, byte[] message) {
        List<SessionImpl> list = users.get(userId);
        return list == null ? 0 : sendAll(list, message);
    }

    int sendToGroup(String group, byte[] message) {
        Set<SessionImpl> set = groups.get(group);
        return set == null ? 0 : sendAll(set, message);
    }

    int broadcast(byte[] message) {
        int[] n = {0};
        byId.values().forEach(s -> {
            if (s.send(message)) {
                n[0]++;
            }
        });
        return n[0];
    }

    private static int sendAll(Collection<SessionImpl> targets, byte[] message) {
        int n = 0;
        for (SessionImpl s : targets) {
            if (s.send(message)) {
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ users and groups

    boolean bind(SessionImpl s, String userId) {
        Objects.requireNonNull(userId, "userId");
        List<SessionImpl> replaced = List.of();
        synchronized (bindLock) {
            if (s.isEnded()) {
                return false;
            }
            String current = s.userId();
            if (current != null) {
                if (current.equals(userId)) {
                    return true;
                }
                throw new IllegalStateException(s + " is bound to another user");
            }
            List<SessionImpl> others = users.getOrDefault(userId, List.of());
            if (!others.isEmpty() && policy == DuplicatePolicy.REFUSE) {
                replaced = null;
            } else {
                List<SessionImpl> next = new ArrayList<>();
                if (policy == DuplicatePolicy.ALLOW) {
                    next.addAll(others);
                } else {
                    replaced = others;
                }
                next.add(s);
                s.userId(userId);
                users.put(userId, List.copyOf(next));
            }
        }
        if (replaced == null) {
            s.end(EndReason.REFUSED, "user " + userId + " already has a session", null);
            return false;
        }
        for (SessionImpl old : replaced) {
            old.end(EndReason.REPLACED, "user " + userId + " bound " + s, null);
        }
        // An end that raced with this bind has unregistered before we added: take it back out.
        if (s.isEnded()) {
            unbind(s);
            return false;
        }
        return true;
    }

    private void unbind(SessionImpl s) {
        String user = s.userId();
        if (user == null) {
            return;
        }
        synchronized (bindLock) {
            List<SessionImpl> list = users.get(user);
            if (list != null && list.contains(s)) {
                List<SessionImpl> next = new ArrayList<>(list);
                next.remove(s);
                if (next.isEmpty()) {
                    users.remove(user);
                } else {
                    users.put(user, List.copyOf(next));
                }
            }
        }
    }

    boolean join(SessionImpl s, String group) {
        Objects.requireNonNull(group, "group");
        if (s.isEnded() || !s.groupSetForJoin().add(group)) {
            return false;
        }
        groups.compute(group, (k, set) -> {
            Set<SessionImpl> m = set == null ? ConcurrentHashMap.newKeySet() : set;
            m.add(s);
            return m;
        });
        if (s.isEnded()) {
            removeFromGroup(s, group);
            return false;
        }
        return true;
    }

    boolean leave(SessionImpl s, String group) {
        Set<String> joined = s.groupSet();
        if (joined == null || !joined.remove(group)) {
            return false;
        }
        removeFromGroup(s, group);
        return true;
    }

    private void removeFromGroup(SessionImpl s, String group) {
        groups.computeIfPresent(group, (k, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
    }
}
