package io.tether.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a test needs from the machine. Checked before the test runs: on a class, once before
 * its {@code @BeforeAll} methods; on a method, before its {@code @BeforeEach} methods.
 *
 * <p>When something is missing the test is <b>skipped</b> (aborted) with a message naming what is
 * missing and how to get it, except under CI ({@code CI=true}, see {@link Requirements#ci()}),
 * where it <b>fails</b> with the same message. All missing things are named at once.
 *
 * <pre>{@code
 * @Requires(root = true, binaries = "iptables")
 * class KernelTimeoutTest { ... }
 * }</pre>
 *
 * <p>Fixtures that need the resolved path of a binary use {@link Requirements#binary(String)},
 * which applies the same rule.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@ExtendWith(RequirementsExtension.class)
public @interface Requires {

    /**
     * Executables that must be found on {@code PATH}, {@code /usr/sbin} or {@code /sbin}; a name
     * containing {@code /} is taken as a path. See {@link Requirements#binary(String)}.
     */
    String[] binaries() default {};

    /** Whether the effective uid must be 0. See {@link Requirements#root()}. */
    boolean root() default false;

    /** Whether {@code ip netns add} must work. See {@link Requirements#netns()}. */
    boolean netns() default false;

    /** Whether Netty's native epoll transport must be available. See {@link Requirements#nativeEpoll()}. */
    boolean nativeEpoll() default false;
}
