package io.tether.testkit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Backs {@link Requires}. Callbacks rather than an {@code ExecutionCondition}: a condition can
 * only disable a test, and under CI a missing requirement must fail it.
 */
final class RequirementsExtension implements BeforeAllCallback, BeforeEachCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        AnnotationSupport.findAnnotation(testClass, Requires.class)
                .ifPresent(r -> Requirements.check(r, testClass.getClassLoader()));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        // Only the method's own annotation: a class-level one was checked in beforeAll.
        AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), Requires.class)
                .ifPresent(r -> Requirements.check(r, context.getRequiredTestClass().getClassLoader()));
    }
}
