package io.tether.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class RequirementsTest {
    private static final String MISSING = "tether-testkit-no-such-binary";

    private static Class<? extends Throwable> expected(boolean ci) {
        return ci ? AssertionFailedError.class : TestAbortedException.class;
    }

    @ParameterizedTest(name = "ci={0}")
    @ValueSource(booleans = {false, true})
    void missingBinarySkipsOutsideCiAndFailsUnderCiNamingItAndHowToGetIt(boolean ci) throws Exception {
        Throwable thrown = CiMode.with(ci, () -> catchThrowable(() -> Requirements.binary(MISSING)));
        assertThat(thrown).isInstanceOf(expected(ci))
                .hasMessageStartingWith(MISSING + " not found on PATH, /usr/sbin or /sbin: install the package that provides it");
    }

    @ParameterizedTest(name = "ci={0}")
    @ValueSource(booleans = {false, true})
    void knownBinaryNamesItsDebianPackage(boolean ci) throws Exception {
        Throwable thrown = CiMode.with(ci, () -> catchThrowable(() -> Requirements.binary("/nonexistent/mariadbd")));
        assertThat(thrown).isInstanceOf(expected(ci))
                .hasMessageStartingWith("/nonexistent/mariadbd not an executable file: apt-get install mariadb-server");
    }

    @ParameterizedTest(name = "ci={0}")
    @ValueSource(booleans = {false, true})
    void unmetConditionOfTheCallersOwnFollowsTheSameRule(boolean ci) throws Exception {
        Throwable thrown = CiMode.with(ci, () -> catchThrowable(() -> Requirements.require(false, "the moon: be patient")));
        assertThat(thrown).isInstanceOf(expected(ci)).hasMessageStartingWith("the moon: be patient");
        CiMode.with(ci, () -> {
            Requirements.require(true, "never shown");
            return null;
        });
    }

    @ParameterizedTest(name = "ci={0}")
    @ValueSource(booleans = {false, true})
    void nativeEpollIsMissingHereBecauseThisModuleHasNoNetty(boolean ci) throws Exception {
        Throwable thrown = CiMode.with(ci, () -> catchThrowable(Requirements::nativeEpoll));
        assertThat(thrown).isInstanceOf(expected(ci))
                .hasMessageStartingWith("native epoll unavailable (no io.netty.channel.epoll.Epoll class")
                .hasMessageContaining("io.netty:netty-transport-native-epoll");
    }

    @Test
    void ciPropertyOverridesTheEnvironmentInAnyLetterCase() throws Exception {
        String previous = System.getProperty(Requirements.CI_PROPERTY);
        try {
            System.setProperty(Requirements.CI_PROPERTY, "TRUE");
            assertThat(Requirements.ci()).isTrue();
            System.setProperty(Requirements.CI_PROPERTY, "True");
            assertThat(Requirements.ci()).isTrue();
            System.setProperty(Requirements.CI_PROPERTY, "false");
            assertThat(Requirements.ci()).isFalse();
            System.setProperty(Requirements.CI_PROPERTY, "1");
            assertThat(Requirements.ci()).isFalse();
        } finally {
            if (previous == null) {
                System.clearProperty(Requirements.CI_PROPERTY);
            } else {
                System.setProperty(Requirements.CI_PROPERTY, previous);
            }
        }
    }

    @Test
    void binaryOnThePathResolvesToAnExecutable() {
        Path sh = Requirements.binary("sh");
        assertThat(sh.getFileName().toString()).isEqualTo("sh");
        assertThat(Files.isExecutable(sh)).isTrue();
    }

    @Test
    void sbinDirectoriesAreSearchedAfterThePath() {
        assertThat(Requirements.searchDirs("/opt/x/bin:/usr/bin::/usr/sbin"))
                .containsExactly(Path.of("/opt/x/bin"), Path.of("/usr/bin"), Path.of("/usr/sbin"), Path.of("/sbin"));
        assertThat(Requirements.searchDirs(null)).containsExactly(Path.of("/usr/sbin"), Path.of("/sbin"));
    }

    @Test
    void findTakesTheFirstExecutableInOrder(@TempDir Path tmp) throws Exception {
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        Files.createFile(a.resolve("tool")); // not executable: skipped
        Path tool = Files.createFile(b.resolve("tool"));
        assertThat(tool.toFile().setExecutable(true)).isTrue();
        Files.createDirectory(a.resolve("dir-tool")); // a directory is no executable either
        assertThat(Requirements.find("tool", List.of(a, b))).contains(tool);
        assertThat(Requirements.find("dir-tool", List.of(a, b))).isEmpty();
        assertThat(Requirements.find(tool.toString(), List.of())).contains(tool);
    }

    @Test
    void effectiveUidIsTheSecondFieldOfTheUidLine() {
        assertThat(Requirements.effectiveUid(List.of("Name:\tjava", "Uid:\t1000\t0\t0\t0"))).hasValue(0);
        assertThat(Requirements.effectiveUid(List.of("Uid:\t0\t1000\t1000\t1000"))).hasValue(1000);
        assertThat(Requirements.effectiveUid(List.of("Name:\tjava"))).isEmpty();
    }

    @Test
    @Requires(root = true, binaries = "ip")
    void netnsProbeCreatesAndDeletesANamespace() throws Exception {
        Requirements.netns();
        // The probe cleans up after itself: no ttk<pid>- namespace is left.
        Process p = new ProcessBuilder(Requirements.binary("ip").toString(), "netns", "list").redirectErrorStream(true).start();
        String list = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isZero();
        assertThat(list).doesNotContain("ttk" + ProcessHandle.current().pid() + "-");
    }

    @Test
    void rootCheckAgreesWithProc() throws Exception {
        boolean root = Requirements.effectiveUid(Files.readAllLines(Path.of("/proc/self/status"))).orElse(-1) == 0;
        Throwable thrown = CiMode.with(false, () -> catchThrowable(Requirements::root));
        if (root) {
            assertThat(thrown).isNull();
        } else {
            assertThat(thrown).isInstanceOf(TestAbortedException.class).hasMessageStartingWith("not root (effective uid ");
        }
    }
}
