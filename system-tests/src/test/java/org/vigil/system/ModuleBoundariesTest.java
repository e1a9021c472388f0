package org.vigil.system;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Services never depend on each other's code: they share only the libraries {@code contracts} (messages),
 * {@code runtime} (infrastructure) and {@code evidence} (and {@code devstack} in tests). Checked twice: in the build
 * files, and in the compiled classes. And each library holds one kind of thing: {@code contracts} messages only,
 * {@code runtime} infrastructure (it may send messages, but holds no service's code).
 */
class ModuleBoundariesTest {

    /** Each service module and its root package. */
    static final Map<String, String> SERVICES = Map.of(
            "capture-service", "org.vigil.capture",
            "recorder-service", "org.vigil.recorder",
            "event-service", "org.vigil.events",
            "export-service", "org.vigil.export",
            "retention-service", "org.vigil.retention",
            "gateway", "org.vigil.gateway",
            "site-link", "org.vigil.sitelink");

    static Path root() {
        return Path.of(System.getProperty("vigil.root", "..")).toAbsolutePath().normalize();
    }

    @Test
    void noServiceBuildFileDependsOnAnotherService() throws Exception {
        for (String module : SERVICES.keySet()) {
            Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(root().resolve(module).resolve("pom.xml").toFile());
            NodeList deps = pom.getElementsByTagName("dependency");
            for (int i = 0; i < deps.getLength(); i++) {
                Element d = (Element) deps.item(i);
                String group = d.getElementsByTagName("groupId").item(0).getTextContent().trim();
                String artifact = d.getElementsByTagName("artifactId").item(0).getTextContent().trim();
                if (group.equals("org.vigil")) {
                    assertThat(artifact).as(module + " depends on org.vigil:" + artifact)
                            .isIn("contracts", "runtime", "evidence", "devstack");
                }
            }
        }
    }

    @Test
    void noServiceCodeReferencesAnotherServicesPackages() {
        for (Map.Entry<String, String> service : SERVICES.entrySet()) {
            JavaClasses classes = classesOf(service.getKey());
            for (String other : SERVICES.values()) {
                if (!other.equals(service.getValue())) {
                    noClasses().should().dependOnClassesThat().resideInAPackage(other + "..")
                            .because(service.getKey() + " may share only contracts with other services")
                            .check(classes);
                }
            }
        }
    }

    @Test
    void contractsHoldsMessagesOnly() {
        JavaClasses classes = classesOf("contracts");
        noClasses().should().dependOnClassesThat().resideInAnyPackage("java.security..", "java.util.zip..",
                "java.nio.file..", "java.net..", "java.sql..", "javax.crypto..", "org.vigil.runtime..",
                "org.vigil.evidence..")
                .because("contracts holds topic names and message records: logic goes to runtime or evidence")
                .check(classes);
    }

    @Test
    void runtimeHoldsNoServiceCode() {
        JavaClasses classes = classesOf("runtime");
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.vigil.evidence..", "org.vigil.devstack..")
                .because("runtime is infrastructure with no business logic: it may send contracts' messages, nothing more")
                .check(classes);
        for (String service : SERVICES.values()) {
            noClasses().should().dependOnClassesThat().resideInAPackage(service + "..").check(classes);
        }
    }

    /** A class that reads Kafka: a SmallRye {@code @Incoming} method, or a plain consumer on the runtime's loop. */
    private static final DescribedPredicate<JavaClass> READS_KAFKA = DescribedPredicate.describe("read Kafka",
            c -> c.isAssignableTo("org.vigil.runtime.kafka.ConsumerLoop$Body") || c.getMethods().stream()
                    .anyMatch(m -> m.isAnnotatedWith("org.eclipse.microprofile.reactive.messaging.Incoming")));

    @Test
    void kafkaReadersLiveInMessagingAndHealthChecksInHealth() {
        for (Map.Entry<String, String> service : SERVICES.entrySet()) {
            JavaClasses classes = classesOf(service.getKey());
            classes().that(READS_KAFKA).should().resideInAPackage(service.getValue() + ".messaging")
                    .allowEmptyShould(true).check(classes);
            classes().that().implement("org.eclipse.microprofile.health.HealthCheck")
                    .should().resideInAPackage(service.getValue() + ".health")
                    .allowEmptyShould(true).check(classes);
        }
    }

    @Test
    void restEdgesNeverReachIntoRepositoriesDirectly() {
        for (Map.Entry<String, String> service : SERVICES.entrySet()) {
            JavaClasses classes = classesOf(service.getKey());
            noClasses().that().resideInAPackage(service.getValue() + ".rest..")
                    .should().dependOnClassesThat().resideInAPackage(service.getValue() + ".repository..")
                    .allowEmptyShould(true)
                    .check(classes);
        }
    }

    /** Each module's classes, imported once for all the rules (an import resolves what they reference: seconds). */
    private static final Map<String, JavaClasses> IMPORTED = new java.util.concurrent.ConcurrentHashMap<>();

    private static JavaClasses classesOf(String module) {
        return IMPORTED.computeIfAbsent(module, m -> {
            Path dir = root().resolve(m).resolve("target/classes");
            assertThat(Files.isDirectory(dir)).as(dir + " exists (build the services before this test)").isTrue();
            JavaClasses classes = new ClassFileImporter().importPath(dir);
            assertThat(classes).as("classes of " + m).isNotEmpty();
            return classes;
        });
    }

    static List<String> serviceModules() {
        return List.copyOf(SERVICES.keySet());
    }
}
