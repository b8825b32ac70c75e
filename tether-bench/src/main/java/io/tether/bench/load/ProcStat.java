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

    /** utime + stime from a /proc/pid/stat line; the command name may hold spaces, so count from its ')'. */
    static long parseCpuTicks(String stat) {
        String[] w = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // After ')' field 3 (state) is w[0]; utime is field 14, stime field 15.
        return Long.parseLong(w[11]) + Long.parseLong(w[12]);
    }
}
