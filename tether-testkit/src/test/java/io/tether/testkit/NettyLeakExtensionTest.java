package io.tether.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.opentest4j.AssertionFailedError;

/**
 * NettyLeakExtension through the Jupiter engine, registered the way every module gets it (the
 * autodetection that this jar's junit-platform.properties turns on): a class that leaks a buffer
 * fails, naming the leak record; a class that releases what it allocates passes. The samples are
 * static nested classes, which surefire does not run by itself.
 */
class NettyLeakExtensionTest {

    private static EngineExecutionResults run(Class<?> sample) {
        NettyLeaks.collect(); // start clean: nothing left over from earlier classes in this JVM
        // Implicit configuration parameters: junit-platform.properties from the class path, as in a real run.
        return EngineTestKit.engine("junit-jupiter").enableImplicitConfigurationParameters(true)
                .selectors(selectClass(sample)).execute();
    }

    @Test
    void theBuildRunsLeakDetectionAtParanoid() {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        assertThat(NettyLeaks.installProblem()).isNull();
    }

    @Test
    void aClassThatLeaksABufferFailsNamingTheLeakRecord() {
        EngineExecutionResults results = run(LeakingSample.class);
        results.testEvents().assertStatistics(s -> s.started(1).succeeded(1)); // the test itself passed
        results.containerEvents().assertThatEvents().haveExactly(1, event(container(LeakingSample.class),
                finishedWithFailure(instanceOf(AssertionFailedError.class),
                        message(m -> m.startsWith("Netty reported 1 leak while " + LeakingSample.class.getName() + " ran")
                                && m.contains("LEAK: ByteBuf.release() was not called")
                                && m.contains(LeakingSample.hint)                        // the record the buffer was touched with
                                && m.contains("LeakingSample.leaksABuffer")))));         // and where it was created
    }

    @Test
    void aClassThatReleasesWhatItAllocatesPasses() {
        EngineExecutionResults results = run(CleanSample.class);
        results.testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        results.containerEvents().assertThatEvents().haveExactly(1, event(container(CleanSample.class), finishedSuccessfully()));
    }

    @Test
    void aLeakIsReportedOnceNotAgainByTheNextClass() {
        run(LeakingSample.class);
        EngineExecutionResults next = run(CleanSample.class);
        next.containerEvents().assertThatEvents().haveExactly(1, event(container(CleanSample.class), finishedSuccessfully()));
    }

    static class LeakingSample {
        static String hint;

        @Test
        void leaksABuffer() {
            // A hint of its own each time: Netty reports a given record only once per JVM.
            hint = NettyLeaks.DELIBERATE + " " + UUID.randomUUID();
            ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(16);
            b.writeInt(42);
            b.touch(hint);
            // not released: unreachable once this method returns
        }
    }

    static class CleanSample {
        @Test
        void releasesItsBuffer() {
            ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(16);
            b.writeInt(42);
            b.release();
        }
    }
}
