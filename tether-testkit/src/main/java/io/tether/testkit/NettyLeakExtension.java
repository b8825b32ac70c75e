package io.tether.testkit;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.AssertionFailedError;

/**
 * Fails a test class during which Netty reported a leak ({@code LEAK: ByteBuf.release() was not
 * called ...}), naming the leak record: where the buffer was created and last touched.
 *
 * <p>Registered in every module whose tests have tether-testkit on their class path, through
 * JUnit's extension autodetection ({@code META-INF/services} and {@code junit-platform.properties}
 * in this jar), so every module uses the same rule and no test has to ask for it.
 *
 * <p>How: when this class loads (before any test class runs), tether-testkit installs its own
 * {@code ResourceLeakDetectorFactory}, whose detectors record each report as well as logging it,
 * and sets the leak detector to {@code paranoid} unless {@code io.netty.leakDetection.level} says
 * otherwise (the build sets it to paranoid for surefire and failsafe). Netty notices a leak only
 * once the buffer has been garbage-collected and a later buffer is tracked; so after each test
 * class this extension runs the collector, waits until the JVM has queued the collected buffers'
 * references (a sentinel reference of its own says when), makes every detector look, and fails the
 * class if anything was reported. A leak can surface one class late (if its buffer was still
 * reachable, say from an event loop still shutting down); the record still names where it came
 * from.
 *
 * <p>Without Netty on the class path it does nothing.
 */
public final class NettyLeakExtension implements BeforeAllCallback, AfterAllCallback {
    private static final boolean NETTY = present("io.netty.util.ResourceLeakDetectorFactory");

    static {
        if (NETTY) {
            NettyLeaks.install();
        }
    }

    private static boolean present(String name) {
        try {
            Class.forName(name, false, NettyLeakExtension.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (NETTY) {
            String problem = NettyLeaks.installProblem();
            if (problem != null) {
                throw new AssertionFailedError(problem);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!NETTY) {
            return;
        }
        List<String> leaks = NettyLeaks.collect();
        if (!leaks.isEmpty()) {
            throw new AssertionFailedError(message(context.getRequiredTestClass().getName(), leaks));
        }
    }

    static String message(String testClass, List<String> leaks) {
        StringBuilder b = new StringBuilder()
                .append("Netty reported ").append(leaks.size()).append(leaks.size() == 1 ? " leak" : " leaks")
                .append(" while ").append(testClass).append(" ran (leak detection ")
                .append(NettyLeaks.level()).append("). A leak from an earlier class in this JVM can surface here;")
                .append(" the record shows where the object was created and last touched.");
        for (String leak : leaks) {
            b.append("\n\n").append(leak);
        }
        return b.toString();
    }
}
