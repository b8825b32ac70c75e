package io.tether.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the kernel says about another process: resident memory and CPU time used. */
public final class ProcStat {
    /** USER_HZ; 100 on every Linux this runs on (clock ticks of /proc/pid/stat). */
    private static final long TICK_NANOS = 10_000_000L;

    private ProcStat() {
    }

    /** VmRSS of the process, in bytes. */
    public static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return parseKb(line) * 1024;
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    static long parseKb(String statusLine) {
        String[] w = statusLine.trim().split("\\s+");
        return Long.parseLong(w[1]);
    }

    /** User plus system CPU time the process has used, in nanoseconds (10 ms resolution). */
    public static long cpuNanos(long pid) throws IOException {
        return parseCpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))) * TICK_NANOS;
    }

    /**
     * CPU time of the process's threads other than the JVM's own (JIT compilers, GC and VM
     * threads), in nanoseconds: what the server's event loops and timers spend. A short window
     * right after a warm-up otherwise measures the JIT more than the server.
     */
    public static long appCpuNanos(long pid) throws IOException {
        long total = 0;
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended between list and read
                }
                if (!isJvmThread(stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')))) {
                    total += parseCpuTicks(stat);
                }
            }
        }
        return total * TICK_NANOS;
    }

    static boolean isJvmThread(String name) {
        return name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler") || name.startsWith("VM ")
                || name.startsWith("GC ") || name.startsWith("G1 ") || name.equals("Sweeper thread")
                || name.startsWith("Service Thread") || name.startsWith("Monitor Deflation");
    }

    /** utime + stime from a /proc/pid/stat line; the command name may hold spaces, so count from its ')'. */
    static long parseCpuTicks(String stat) {
        String[] w = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // After ')' field 3 (state) is w[0]; utime is field 14, stime field 15.
        return Long.parseLong(w[11]) + Long.parseLong(w[12]);
    }
}
