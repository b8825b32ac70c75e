/** Ready-made health checks (Redis, SQL, TCP, Tether) and backend keep-alive for the Tether server. */
module io.tether.health {
    requires transitive io.tether.server;
    requires transitive java.sql;
    requires transitive lettuce.core;
    requires transitive com.zaxxer.hikari;
    requires org.slf4j;

    exports io.tether.health;
}
