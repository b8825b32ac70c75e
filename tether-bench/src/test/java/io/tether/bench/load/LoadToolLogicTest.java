package io.tether.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.bench.Args;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The load tool's own arithmetic and parsing; no sockets, no processes. */
class LoadToolLogicTest {

    @Test
    void lineloadJsonIsFlattenedToNumbers() {
        String pingpong = "{\"mode\":\"pingpong\",\"target\":\"127.0.0.1:9700\",\"n\":100,\"opened\":100,\"failed\":0,"
                + "\"connect_phase_s\":0.012,\"duration_s\":5.0,\"round_trips\":500000,\"round_trips_per_s\":100000,"
                + "\"latency_us\":{\"p50\":870,\"p99\":4870,\"p999\":8640,\"max\":12000},\"bad_lines\":0,\"closed_by_server\":0}";
        var m = Lineload.parse(pingpong);
        assertThat(m).containsEntry("round_trips_per_s", 100000.0).containsEntry("latency_us.p99", 4870.0)
                .containsEntry("closed_by_server", 0.0).containsEntry("connect_phase_s", 0.012).doesNotContainKey("mode");
        String hold = "{\"mode\":\"hold\",\"n\":2,\"close_after_s\":{\"min\":2.001,\"p50\":2.004,\"p99\":2.011,\"max\":2.011},"
                + "\"connect_span_s\":0.0004,\"closes_max_in_100ms\":2}";
        assertThat(Lineload.parse(hold)).containsEntry("close_after_s.p99", 2.011).containsEntry("closes_max_in_100ms", 2.0);
    }

    @Test
    void aMissingLineloadSourceIsNamedWithHowToGetIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path root) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Lineload.source(null, null, root.resolve("project")))
                .hasMessageContaining(root.resolve("shared/tools/lineload.c").toString())
                .hasMessageContaining("--lineload-src").hasMessageContaining(Lineload.ENV);
    }

    @Test
    void lineloadSourceBesideTheProjectIsFoundAndTheOptionWins(@org.junit.jupiter.api.io.TempDir java.nio.file.Path root)
            throws Exception {
        java.nio.file.Path beside = root.resolve("shared/tools/lineload.c");
        java.nio.file.Files.createDirectories(beside.getParent());
        java.nio.file.Files.writeString(beside, "int main(){}");
        java.nio.file.Path mine = root.resolve("mine.c");
        java.nio.file.Files.writeString(mine, "int main(){}");
        assertThat(Lineload.source(null, null, root.resolve("project"))).isEqualTo(beside);
        assertThat(Lineload.source(mine.toString(), "/nowhere.c", root.resolve("project"))).isEqualTo(mine);
    }

    @Test
    void cpuTicksAreUtimePlusStimeEvenWhenTheCommandHasSpaces() {
        String stat = "4242 (java main) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 30 0 100 0 0";
        assertThat(ProcStat.parseCpuTicks(stat)).isEqualTo(1234 + 56);
    }

    @Test
    void jvmThreadsAreToldFromServerThreads() {
        assertThat(ProcStat.isJvmThread("C2 CompilerThre")).isTrue();
        assertThat(ProcStat.isJvmThread("VM Thread")).isTrue();
        assertThat(ProcStat.isJvmThread("tether-io-3-1")).isFalse();
        assertThat(ProcStat.isJvmThread("multiThreadIoEv")).isFalse();
    }

    @Test
    void rssLineIsInKilobytes() {
        assertThat(ProcStat.parseKb("VmRSS:\t  123456 kB")).isEqualTo(123456);
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertThat(Results.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(Results.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
        assertThat(Results.median(List.of())).isNaN();
    }

    @Test
    void tableShowsMediansAndRatioToTheFirstKind() {
        Results r = new Results();
        r.add("rt/s", "baseline", 100);
        r.add("rt/s", "baseline", 300);
        r.add("rt/s", "tether", 180);
        String t = r.table(List.of("baseline", "tether"));
        assertThat(t).contains("| rt/s | 200 | 180 | 0.90 | 2 |");
    }

    @Test
    void histogramsSurviveTheTextLine() {
        Histogram h = Histograms.create();
        h.recordValue(1_000_000);
        h.recordValue(20_000_000);
        Histogram back = Histograms.decode(Histograms.encode(h));
        assertThat(back.getTotalCount()).isEqualTo(2);
        assertThat(back.getMaxValue()).isEqualTo(h.getMaxValue());
    }

    @Test
    void stepsEndAtTheConnectionCount() {
        BenchOptions o = new BenchOptions();
        o.connections = 7_000;
        assertThat(o.effectiveSteps()).containsExactly(1_000, 5_000, 7_000);
    }

    @Test
    void argsTakeSpaceEqualsAndFlags() {
        Args a = new Args(new String[]{"--port", "9", "--idle-ms=20", "--quiet"});
        assertThat(a.integer("port", 0)).isEqualTo(9);
        assertThat(a.longValue("idle-ms", 0)).isEqualTo(20);
        assertThat(a.flag("quiet")).isTrue();
        assertThat(a.text("host", "h")).isEqualTo("h");
    }
}
