package io.tether.testkit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.abortedWithReason;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import org.assertj.core.api.Condition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Runs small sample classes through the Jupiter engine with the CI flag off and on and checks
 * the outcome: aborted (skipped) outside CI, failed under CI, the message naming what is missing.
 * The samples are static nested classes, which surefire does not run by itself ({@code **}{@code /*$*}
 * is excluded by default); each would be skipped anyway.
 */
class RequiresExtensionTest {
    static final String MISSING = "tether-testkit-no-such-binary";
    static final String OTHER = "tether-testkit-no-such-either";

    private static EngineExecutionResults run(Class<?> sample, boolean ci) throws Exception {
        return CiMode.with(ci, () -> EngineTestKit.engine("junit-jupiter").selectors(selectClass(sample)).execute());
    }

    /** Aborted with a TestAbortedException outside CI, failed with an AssertionFailedError under CI. */
    @SuppressWarnings("unchecked")
    private static Condition<Event> missing(boolean ci, String... named) {
        Condition<Throwable> names = message(m -> {
            for (String n : named) {
                if (!m.contains(n)) {
                    return false;
                }
            }
            return true;
        });
        return ci ? finishedWithFailure(instanceOf(AssertionFailedError.class), names)
                : abortedWithReason(instanceOf(TestAbortedException.class), names);
    }

    @ParameterizedTest(name = "ci={0}")
    @ValueSource(booleans = {false, true})
    void onAClassItStopsTheClassBeforeItsBeforeAll(boolean ci) throws Exception {
        EngineExecutionResults results = run(ClassLevelSample.class, ci);
        results.containerEvents().assertThatEvents().haveExactly(1, event(container(ClassLevelSample.class),
                missing(ci, MISSING + " not found on PATH, /usr/sbin or /sbin")));
        results.testEvents().assertStatistics(s -> s.started(0));
        org.assertj.core.api.Assertions.assertThat(ClassLevelSample.beforeAllRan).isFalse();
    }

    @ParameterizedTest(name = "ci={0}")
    @ValueSource(booleans = {false, true})
    void onAMethodItStopsThatTestBeforeItsBeforeEachAndLeavesTheOthers(boolean ci) throws Exception {
        MethodLevelSample.beforeEachRuns = 0;
        EngineExecutionResults results = run(MethodLevelSample.class, ci);
        results.testEvents().assertStatistics(s -> s.started(2).succeeded(1).aborted(ci ? 0 : 1).failed(ci ? 1 : 0));
        results.testEvents().assertThatEvents()
                .haveExactly(1, event(test("needsAMissingBinary"), missing(ci, MISSING)))
                .haveExactly(1, event(test("needsNothing"), finishedSuccessfully()));
        org.assertj.core.api.Assertions.assertThat(MethodLevelSample.beforeEachRuns).isEqualTo(1);
    }

    @ParameterizedTest(name = "ci={0}")
    @ValueSource(booleans = {false, true})
    void everythingMissingIsNamedInOneMessage(boolean ci) throws Exception {
        EngineExecutionResults results = run(SeveralMissingSample.class, ci);
        results.testEvents().assertThatEvents().haveExactly(1, event(test("needsThreeThings"),
                missing(ci, MISSING + " not found", OTHER + " not found", "native epoll unavailable")));
    }

    @ParameterizedTest(name = "ci={0}")
    @ValueSource(booleans = {false, true})
    void aFixtureCallingTheApiFollowsTheSameRule(boolean ci) throws Exception {
        EngineExecutionResults results = run(FixtureSample.class, ci);
        results.testEvents().assertThatEvents().haveExactly(1, event(test("startsAFixture"), missing(ci, MISSING)));
    }

    @ParameterizedTest(name = "ci={0}")
    @ValueSource(booleans = {false, true})
    void metRequirementsLetTheTestRun(boolean ci) throws Exception {
        run(SatisfiedSample.class, ci).testEvents().assertStatistics(s -> s.started(1).succeeded(1));
    }

    @Requires(binaries = MISSING)
    static class ClassLevelSample {
        static boolean beforeAllRan;

        @BeforeAll
        static void start() {
            beforeAllRan = true;
        }

        @Test
        void first() {
        }

        @Test
        void second() {
        }
    }

    static class MethodLevelSample {
        static int beforeEachRuns;

        @BeforeEach
        void count() {
            beforeEachRuns++;
        }

        @Test
        @Requires(binaries = MISSING)
        void needsAMissingBinary() {
        }

        @Test
        void needsNothing() {
        }
    }

    static class SeveralMissingSample {
        @Test
        @Requires(binaries = {MISSING, "sh", OTHER}, nativeEpoll = true)
        void needsThreeThings() {
        }
    }

    static class FixtureSample {
        @Test
        void startsAFixture() {
            Requirements.binary(MISSING);
        }
    }

    @Requires(binaries = "sh")
    static class SatisfiedSample {
        @Test
        @Requires(binaries = "sh")
        void runs() {
        }
    }
}
