package io.tether.testkit;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Netty side of {@link NettyLeakExtension}: a leak-detector factory whose detectors record
 * what they report, and a way to make every detector look now. Loaded only when Netty is on the
 * class path (this module compiles against netty-common but does not bring it).
 */
final class NettyLeaks {
    /** Reports not yet collected, as Netty logs them: the resource type, then the records. */
    private static final Queue<String> REPORTS = new ConcurrentLinkedQueue<>();
    /** Every detector to poll: those made by the factory, and the ByteBuf one if it came first. */
    private static final List<ResourceLeakDetector<?>> DETECTORS = new CopyOnWriteArrayList<>();
    private static final long GC_WAIT_MILLIS = 10_000;
    /**
     * The touch hint of a leak made on purpose (this extension's own tests): recorded like any other,
     * but not logged, so a LEAK line in the build log always means a real leak.
     */
    static final String DELIBERATE = "deliberate leak";
    private static volatile boolean installed;
    private static volatile String installProblem;

    private NettyLeaks() {
    }

    /** A detector that records its reports (and still logs them). */
    static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<?> resourceType, int samplingInterval) {
            super(resourceType, samplingInterval);
        }

        /** Always: whether the log shows it must not decide whether the build sees it. */
        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            REPORTS.add("LEAK: " + resourceType + ".release() was not called before it's garbage-collected." + records);
            if (!records.contains(DELIBERATE)) {
                super.reportTracedLeak(resourceType, records);
            }
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            REPORTS.add("LEAK: " + resourceType + ".release() was not called before it's garbage-collected"
                    + " (no record: the detector was not at paranoid or advanced level when it was created)");
            super.reportUntracedLeak(resourceType);
        }
    }

    static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
                RecordingDetector<T> d = new RecordingDetector<>(resource, samplingInterval);
                DETECTORS.add(d);
                return d;
            }
        });
        adoptByteBufDetector();
    }

    /**
     * Makes netty-buffer's detector now (it is created when AbstractByteBuf is initialised), so it
     * comes from the factory; if it already existed, listens to it instead.
     */
    private static void adoptByteBufDetector() {
        Object detector;
        try {
            Class<?> c = Class.forName("io.netty.buffer.AbstractByteBuf", true, NettyLeaks.class.getClassLoader());
            Field f = c.getDeclaredField("leakDetector");
            f.setAccessible(true);
            detector = f.get(null);
        } catch (ClassNotFoundException e) {
            return; // no netty-buffer: nothing to adopt
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            installProblem = "tether-testkit cannot find Netty's ByteBuf leak detector (" + e
                    + "); leaks would not fail the build. Has io.netty.buffer.AbstractByteBuf changed?";
            return;
        }
        if (detector instanceof RecordingDetector) {
            return;
        }
        if (detector instanceof ResourceLeakDetector<?> d) {
            // Created before the factory was in place: its reports reach the listener only when its
            // logger has errors on (needReport), which every test logging configuration here has.
            d.setLeakListener((type, records) -> REPORTS.add("LEAK: " + type
                    + ".release() was not called before it's garbage-collected." + records));
            DETECTORS.add(d);
        }
    }

    /** Why leak detection cannot be trusted in this JVM, or null. */
    static String installProblem() {
        return installProblem;
    }

    static String level() {
        return ResourceLeakDetector.getLevel().name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Collects garbage, waits until its references are queued, lets every detector look, and
     * returns (and forgets) every leak reported since the last call.
     */
    static List<String> collect() {
        awaitGc();
        awaitGc(); // the reference handler queues one collection's references before the next one's
        Object probe = new Object();
        for (ResourceLeakDetector<?> d : DETECTORS) {
            poll(d, probe);
        }
        List<String> out = new ArrayList<>();
        String r;
        while ((r = REPORTS.poll()) != null) {
            out.add(r);
        }
        return out;
    }

    /** Tracking an object makes a detector report what its queue holds; the probe is then let go. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void poll(ResourceLeakDetector d, Object probe) {
        ResourceLeakTracker<Object> t = d.trackForcibly(probe);
        if (t != null) {
            t.close(probe);
        }
    }

    /** A full collection, and the wait until the JVM has queued the references it cleared. */
    private static void awaitGc() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        System.gc();
        try {
            queue.remove(GC_WAIT_MILLIS); // null after the wait: explicit GC is off (-XX:+DisableExplicitGC); go on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Reference.reachabilityFence(sentinel);
    }
}
