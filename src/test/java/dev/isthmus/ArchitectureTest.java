package dev.isthmus;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package graph follows the data flow (docs/architecture.md): spec and model at the bottom,
 * platform (Kubernetes and Consul clients, watches) under the route sources and the registries,
 * which are siblings, the pure compiler, the runtime, status write-back and admin above, and the
 * auto-configurations on top. Checked on the compiled main classes.
 */
class ArchitectureTest {

    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.isthmus");
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.isthmus.(*)..").should().beFreeOfCycles().check(classes);
        slices().matching("dev.isthmus.(*).(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void routeSourcesAndRegistriesNeverImportEachOther() {
        noClasses().that().resideInAPackage("dev.isthmus.source..").should().dependOnClassesThat()
                .resideInAPackage("dev.isthmus.discovery..").check(classes);
        noClasses().that().resideInAPackage("dev.isthmus.discovery..").should().dependOnClassesThat()
                .resideInAPackage("dev.isthmus.source..").check(classes);
    }

    @Test
    void platformSitsUnderEveryStage() {
        noClasses().that().resideInAPackage("dev.isthmus.platform..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.isthmus.source..", "dev.isthmus.discovery..", "dev.isthmus.compile..",
                        "dev.isthmus.runtime..", "dev.isthmus.status..", "dev.isthmus.admin..", "dev.isthmus.config..")
                .check(classes);
    }

    @Test
    void theCompilerIsPureAndKnowsNoRuntime() {
        noClasses().that().resideInAPackage("dev.isthmus.compile..").should().dependOnClassesThat()
                .resideInAnyPackage("org.springframework..", "reactor..", "io.netty..", "io.fabric8.kubernetes.client..",
                        "dev.isthmus.source..", "dev.isthmus.discovery..", "dev.isthmus.runtime..", "dev.isthmus.platform..",
                        "dev.isthmus.status..", "dev.isthmus.config..")
                .check(classes);
    }

    @Test
    void theCompilerCoreKnowsPoliciesOnlyThroughTheirCompileUnits() {
        noClasses().that().resideInAPackage("dev.isthmus.compile").should().dependOnClassesThat()
                .resideInAPackage("dev.isthmus.compile.policy..").check(classes);
    }

    @Test
    void onlyTheAutoConfigurationsWireStages() {
        // the CLI builds the compile step offline from the same properties (config.OfflineCompiler)
        noClasses().that().resideOutsideOfPackages("dev.isthmus.config..", "dev.isthmus.cli..").should().dependOnClassesThat()
                .resideInAPackage("dev.isthmus.config..").check(classes);
    }

    @Test
    void onlyTheApplicationStartsTheCommands() {
        noClasses().that().resideOutsideOfPackages("dev.isthmus", "dev.isthmus.cli..").should().dependOnClassesThat()
                .resideInAPackage("dev.isthmus.cli..").check(classes);
    }
}
