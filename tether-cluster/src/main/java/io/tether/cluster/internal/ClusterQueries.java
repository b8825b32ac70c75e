package io.tether.cluster.internal;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.tether.cluster.ClusterMember;
import io.tether.cluster.NodeStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Read-only presence look-ups over the live nodes (one script call each); fail fast while Redis is unreachable. */
public final class ClusterQueries {
    private final RedisLink link;
    private final Keys keys;

    public ClusterQueries(RedisLink link, String keyPrefix) {
        this.link = link;
        this.keys = new Keys(keyPrefix);
    }

    private List<?> query(String what, String arg) {
        if (!link.connected()) {
            throw link.unreachable(new RedisException("not connected"));
        }
        try {
            return Scripts.QUERY.run(link.sync(), keys, ScriptOutputType.MULTI, List.of(Scripts.b(what), Scripts.b(arg)));
        } catch (RedisException e) {
            throw link.unreachable(e);
        }
    }

    public Map<String, Long> nodesOf(String user) {
        List<?> r = query("user", user);
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < r.size(); i += 2) {
            m.put(Scripts.s(r.get(i)), (Long) r.get(i + 1));
        }
        return m;
    }

    /** {sessions, users}. */
    public long[] totals() {
        List<?> r = query("totals", "");
        return new long[] {(Long) r.get(0), (Long) r.get(1)};
    }

    public List<ClusterMember> members(String group) {
        List<?> r = query("members", group);
        List<ClusterMember> out = new ArrayList<>();
        for (int i = 0; i + 2 < r.size(); i += 3) {
            out.add(new ClusterMember(Scripts.s(r.get(i)), Scripts.s(r.get(i + 1)), Scripts.s(r.get(i + 2))));
        }
        return out;
    }

    public List<NodeStatus> nodes() {
        List<?> r = query("nodes", "");
        List<NodeStatus> out = new ArrayList<>();
        for (int i = 0; i + 2 < r.size(); i += 3) {
            out.add(new NodeStatus(Scripts.s(r.get(i)), (Long) r.get(i + 1), (Long) r.get(i + 2)));
        }
        return out;
    }
}
