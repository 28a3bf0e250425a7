package dev.opsbus.node.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.PackageMatcher;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The module rules of docs/ARCHITECTURE.md ("Architecture rules (tested)"), checked on the compiled
 * production classes of every module but the bench (which nothing may depend on) and the test kit.
 * It lives in {@code node} because node's test class path holds every production module.
 */
@AnalyzeClasses(packages = "dev.opsbus", importOptions = ArchitectureRulesTest.ProductionModulesOnly.class)
class ArchitectureRulesTest {

  /** The verticle modules' root packages: none may use another's classes; they meet on the bus. */
  static final List<String> VERTICLE_PACKAGES =
      List.of("dev.opsbus.gateway", "dev.opsbus.metrics", "dev.opsbus.ssh", "dev.opsbus.operations");

  /** The one class allowed to reach into Vert.x internals (the Netty channel behind a WebSocket). */
  static final String TRANSPORT_FACTORY = "dev.opsbus.gateway.bridge.NettyChannels";

  /** Guards against a rule passing because nothing was imported (for example a changed class path). */
  @ArchTest
  static void everyProductionModuleIsImportedAndNoTestClass(JavaClasses classes) {
    assertThat(classes.contain("dev.opsbus.model.PermissionRules")).isTrue();
    assertThat(classes.contain("dev.opsbus.gateway.GatewayVerticle")).isTrue();
    assertThat(classes.contain("dev.opsbus.metrics.MetricsVerticle")).isTrue();
    assertThat(classes.contain("dev.opsbus.ssh.SshRelayVerticle")).isTrue();
    assertThat(classes.contain("dev.opsbus.operations.OperationsVerticle")).isTrue();
    assertThat(classes.contain("dev.opsbus.node.OpsbusNode")).isTrue();
    assertThat(classes.contain("dev.opsbus.demohost.DemoSshServer")).isTrue();
    assertThat(classes.contain(ArchitectureRulesTest.class)).isFalse();
    assertThat(classes.stream().map(JavaClass::getPackageName)).noneMatch(p -> p.startsWith("dev.opsbus.testkit"));
  }

  @ArchTest
  static final ArchRule verticleModulesDoNotUseEachOther = verticleModulesDoNotUseEachOther();

  @ArchTest
  static final ArchRule onlyTheTransportFactoryUsesVertxInternals = classes()
      .should(notDependOn("io.vertx.core..impl..", d -> isClassOrNested(d.getOriginClass(), TRANSPORT_FACTORY)))
      .as("only " + TRANSPORT_FACTORY + " uses Vert.x internals (io.vertx.core..impl..)");

  @ArchTest
  static final ArchRule httpDoesNotUseTheBridge = classes().that().resideInAPackage("dev.opsbus.gateway.http..")
      .should(notDependOn("dev.opsbus.gateway.bridge..", d -> false))
      .as("the gateway's http/ does not use its bridge/");

  @ArchTest
  static final ArchRule nothingDependsOnTheBench = noClasses()
      .should().dependOnClassesThat().resideInAPackage("dev.opsbus.bench..")
      .as("no production module depends on the bench");

  @ArchTest
  static final ArchRule theModelStaysBelowTheModules = noClasses().that().resideInAPackage("dev.opsbus.model..")
      .should().dependOnClassesThat().resideInAnyPackage("io.vertx.ext.web..", "dev.opsbus.gateway..",
          "dev.opsbus.metrics..", "dev.opsbus.ssh..", "dev.opsbus.operations..", "dev.opsbus.node..")
      .as("the shared model uses neither Vert.x web nor any module above it");

  private static ArchRule verticleModulesDoNotUseEachOther() {
    List<ArchRule> rules = new ArrayList<>();
    for (String pkg : VERTICLE_PACKAGES) {
      String[] others = VERTICLE_PACKAGES.stream().filter(p -> !p.equals(pkg)).map(p -> p + "..").toArray(String[]::new);
      rules.add(noClasses().that().resideInAPackage(pkg + "..").should().dependOnClassesThat().resideInAnyPackage(others));
    }
    CompositeArchRule all = CompositeArchRule.of(rules.get(0));
    for (ArchRule r : rules.subList(1, rules.size())) {
      all = all.and(r);
    }
    return all.as("no verticle module (gateway, metrics, ssh, operations) uses another's classes");
  }

  /** Every dependency of a class on {@code packagePattern} is a violation, unless {@code tolerated}. */
  private static ArchCondition<JavaClass> notDependOn(String packagePattern, Predicate<Dependency> tolerated) {
    PackageMatcher target = PackageMatcher.of(packagePattern);
    return new ArchCondition<>("not depend on classes in " + packagePattern) {
      @Override
      public void check(JavaClass item, ConditionEvents events) {
        for (Dependency d : item.getDirectDependenciesFromSelf()) {
          if (target.matches(d.getTargetClass().getBaseComponentType().getPackageName()) && !tolerated.test(d)) {
            events.add(SimpleConditionEvent.violated(d, d.getDescription()));
          }
        }
      }
    };
  }

  private static boolean isClassOrNested(JavaClass c, String name) {
    return c.getName().equals(name) || c.getName().startsWith(name + "$");
  }



  /**
   * Imports the main classes of the production modules only: no test classes, no test kit, no bench,
   * no third-party jar. A module comes as its {@code target/classes} directory or, once packaged in
   * the same reactor run, as its jar.
   */
  public static final class ProductionModulesOnly implements ImportOption {
    private static final String MODULES = "(shared-model|gateway-verticle|metrics-verticle|ssh-relay-verticle"
        + "|operations-verticle|node|demo-host)";
    private static final Pattern CLASSES_DIR = Pattern.compile(".*/" + MODULES + "/target/classes/.*");
    private static final Pattern MODULE_JAR = Pattern.compile(".*/" + MODULES + "-[0-9][^/]*\\.jar!/.*");

    @Override
    public boolean includes(Location location) {
      return location.matches(CLASSES_DIR) || location.matches(MODULE_JAR);
    }
  }
}
