package io.tether.cli;

import io.tether.cluster.ClusterConfig;
import io.tether.cluster.ClusterStatus;
import io.tether.cluster.ClusterUnavailableException;
import io.tether.cluster.NodeStatus;
import io.tether.core.config.ConfigException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tether cluster status}: the live nodes of a cluster, read from its Redis (docs/CLUSTER.md). */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Look at a cluster of Tether nodes on Redis.",
        subcommands = ClusterCommand.Status.class)
final class ClusterCommand implements Runnable {

    @Override
    public void run() {
        System.err.println("tether cluster: say what to do, e.g. tether cluster status --cluster-redis redis://127.0.0.1:6379");
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "List the live nodes with their lease left and sessions, and the cluster's totals.")
    static final class Status implements Callable<Integer> {

        @Option(names = "--cluster-redis", paramLabel = "URI", required = true,
                description = "The cluster's Redis (redis://host:port, or a comma list of Redis Cluster seeds).")
        String redis;

        PrintStream out = System.out;
        PrintStream err = System.err;

        @Override
        public Integer call() {
            ClusterConfig config;
            try {
                config = ClusterConfig.builder().redis(redis).nodeId("status").build();
            } catch (ConfigException e) {
                err.println("tether cluster status: " + e.getMessage());
                return 2;
            }
            try (ClusterStatus status = ClusterStatus.connect(config)) {
                List<NodeStatus> nodes = status.nodes();
                out.printf(Locale.ROOT, "cluster on %s: %d nodes, %,d sessions, %,d users%n", String.join(",", config.redis()),
                        nodes.size(), status.sessionCount(), status.userCount());
                if (!nodes.isEmpty()) {
                    int w = Math.max(4, nodes.stream().mapToInt(n -> n.node().length()).max().orElse(4));
                    out.printf(Locale.ROOT, "%-" + w + "s  %12s  %10s%n", "node", "lease left", "sessions");
                    for (NodeStatus n : nodes) {
                        out.printf(Locale.ROOT, "%-" + w + "s  %9s ms  %,10d%n", n.node(),
                                n.leaseLeftMillis() < 0 ? "expired " + (-n.leaseLeftMillis()) : String.format(Locale.ROOT, "%,d", n.leaseLeftMillis()),
                                n.sessions());
                    }
                }
                return 0;
            } catch (ClusterUnavailableException e) {
                err.println("tether cluster status: " + e.getMessage());
                return 1;
            }
        }
    }
}
