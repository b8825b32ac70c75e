package io.tether.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tether.core.config.ConfigException;
import io.tether.testkit.GeneratedDocs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cluster keys: parsing, defaults, errors that name the key; docs/CONFIG.md's table. */
class ClusterConfigTest {

    @Test
    void absentRedisMeansNoCluster() {
        assertThat(ClusterConfig.fromMap(Map.of("port", 9501))).isNull();
    }

    @Test
    void keysAndDefaults() {
        ClusterConfig c = ClusterConfig.fromMap(Map.of("cluster_redis", "redis://10.0.0.5:6379", "cluster_lease_time", "6s"));
        assertThat(c.redis()).containsExactly("redis://10.0.0.5:6379");
        assertThat(c.redisCluster()).isFalse();
        assertThat(c.leaseTime()).isEqualTo(Duration.ofSeconds(6));
        assertThat(c.tick()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.nodeId()).matches(".+-" + ProcessHandle.current().pid() + "-[0-9a-z]+");
        assertThat(ClusterConfig.fromMap(Map.of("cluster_redis", "redis://a:1")).leaseTime()).isEqualTo(Duration.ofSeconds(10));
        assertThat(ClusterConfig.fromMap(Map.of("cluster_redis", "redis://a:1")).nodeId())
                .isNotEqualTo(ClusterConfig.fromMap(Map.of("cluster_redis", "redis://a:1")).nodeId());

        ClusterConfig seeds = ClusterConfig.fromMap(Map.of("cluster_redis", "redis://a:7000, redis://b:7001", "cluster_node_id", "eu-1"));
        assertThat(seeds.redis()).containsExactly("redis://a:7000", "redis://b:7001");
        assertThat(seeds.redisCluster()).isTrue();
        assertThat(seeds.nodeId()).isEqualTo("eu-1");
    }

    @Test
    void wrongValuesNameTheKey() {
        assertThatThrownBy(() -> ClusterConfig.fromMap(Map.of("cluster_redis", "10.0.0.5:6379")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("cluster_redis: '10.0.0.5:6379' is not a Redis URI");
        assertThatThrownBy(() -> ClusterConfig.fromMap(Map.of("cluster_redis", "redis://a:1", "cluster_lease_time", "100ms")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("cluster_lease_time: 100ms is out of range");
        assertThatThrownBy(() -> ClusterConfig.fromMap(Map.of("cluster_redis", "redis://a:1", "cluster_node_id", "a b")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("cluster_node_id: 'a b' is not allowed");
        assertThatThrownBy(() -> ClusterConfig.fromMap(Map.of("cluster_redis", " , ")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("cluster_redis: missing");
    }

    /** docs/CONFIG.md lists every cluster key from ClusterConfig.KEY_DOCS; -Dtether.writeDocs=true rewrites it. */
    @Test
    void configDocListsEveryClusterKey() throws Exception {
        StringBuilder table = new StringBuilder("| key | flag | meaning |\n|---|---|---|\n");
        for (Map.Entry<String, String> e : ClusterConfig.KEY_DOCS.entrySet()) {
            table.append("| `").append(e.getKey()).append("` | `--").append(e.getKey().replace('_', '-')).append("` | ")
                    .append(e.getValue().replace("|", "\\|")).append(" |\n");
        }
        GeneratedDocs.check(Path.of("..", "docs", "CONFIG.md"), "<!-- cluster-keys:begin (generated from ClusterConfig.KEY_DOCS) -->",
                "<!-- cluster-keys:end -->", table.toString());
    }
}
