package dev.opsbus.node;

import java.util.Map;

/**
 * The keys of the test runs (the same values as the surefire and failsafe environment in
 * node/pom.xml): nodes of different data dirs that share the one test database share them too, as
 * every node of a real cluster shares its key files.
 */
final class TestKeys {

  static final String CREDENTIALS = "uB7kfbUQcs/ES8XOYNFsEhw12KgitrMZmgo8Hwm/fSQ=";
  static final String JWT = "Pw/3CT1YAv2tGcTiGpm+yY0yApbuLfn35FCcwWBZbJCFiKOvjGuhN46WCLMgKF6wpJB6+tBrj/VWBPkDvXOZtg==";

  private TestKeys() {
  }

  static Map<String, String> env() {
    return Map.of(NodeKeys.CREDENTIALS_ENV, CREDENTIALS, NodeKeys.JWT_ENV, JWT);
  }
}
