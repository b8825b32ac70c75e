package io.tether.server.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.tether.server.TetherServer;
import org.junit.jupiter.api.Test;

/**
 * The server's packages depend one way (docs/ARCHITECTURE.md): the session layer and the
 * connection internals meet only through the SPI, and apart from the facade that wires them
 * ({@link TetherServer}), no package cycle exists between the API, the SPI, health, sessions and
 * internals.
 */
class PackageStructureTest {
    private static final JavaClasses SERVER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tether.server");

    @Test
    void sessionsNeverReachIntoConnectionInternals() {
        noClasses().that().resideInAPackage("io.tether.server.session..")
                .should().dependOnClassesThat().resideInAPackage("io.tether.server.internal..")
                .check(SERVER);
    }

    @Test
    void connectionInternalsKnowSessionsOnlyThroughTheSpi() {
        noClasses().that().resideInAPackage("io.tether.server.internal..")
                .should().dependOnClassesThat().resideInAPackage("io.tether.server.session..")
                .check(SERVER);
    }

    @Test
    void apiTypesOtherThanTheFacadeNeverReachIntoImplementations() {
        noClasses().that().resideInAPackage("io.tether.server").and().doNotBelongToAnyOf(TetherServer.class)
                .should().dependOnClassesThat().resideInAnyPackage("io.tether.server.internal..", "io.tether.server.session..")
                .check(SERVER);
    }

    @Test
    void noPackageCycleBesidesTheFacade() {
        DescribedPredicate<JavaClass> facade = JavaClass.Predicates.belongToAnyOf(TetherServer.class);
        slices().matching("io.tether.(server..)").should().beFreeOfCycles()
                .ignoreDependency(facade, DescribedPredicate.alwaysTrue())
                .check(SERVER);
    }
}
