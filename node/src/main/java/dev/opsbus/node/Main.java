package dev.opsbus.node;

import dev.opsbus.model.BuildInfo;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher of {@code opsbus.jar}: reads the settings, starts a node, and stops it again on
 * SIGTERM or SIGINT. Exit codes: 0 after an orderly stop (also on SIGTERM), 1 when the node cannot
 * start, 2 for a bad flag, value or config file. {@code keys rotate} rotates the keys instead
 * ({@link KeysCommand}).
 */
public final class Main {

  static final int EXIT_START_FAILED = 1;
  static final int EXIT_BAD_SETTINGS = 2;

  private Main() {
  }

  public static void main(String[] args) {
    List<String> argList = List.of(args);
    if (!argList.isEmpty() && KeysCommand.NAME.equals(argList.get(0))) {
      // java -jar opsbus.jar keys rotate ...: no node starts
      System.exit(KeysCommand.run(argList.subList(1, argList.size()), System.getenv(), System.out, System.err));
      return;
    }
    if (NodeSettings.wantsHelp(argList)) {
      System.out.print(NodeSettings.usage());
      System.out.flush();
      return;
    }
    NodeSettings settings;
    try {
      settings = NodeSettings.parse(argList, System.getenv());
    } catch (SettingsException e) {
      System.err.println("opsbus: " + e.getMessage());
      System.exit(EXIT_BAD_SETTINGS);
      return;
    }

    Logger log = LoggerFactory.getLogger(Main.class);
    log.info("opsbus {} starting with {}", BuildInfo.version(), settings);
    AtomicReference<OpsbusNode> running = new AtomicReference<>();
    CountDownLatch startFinished = new CountDownLatch(1);
    // Registered before the start, so a signal during the start still stops what the start brings up.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopOnSignal(log, running, startFinished), "opsbus-shutdown"));

    try {
      OpsbusNode node = OpsbusNode.start(settings);
      running.set(node);
      startFinished.countDown();
      log.info("{}", node.describe());
    } catch (RuntimeException e) {
      startFinished.countDown();
      log.error("{}", e instanceof NodeStartException ? e.getMessage() : "node did not start: " + NodeDatabase.rootMessage(e));
      log.debug("start failure", e);
      System.exit(EXIT_START_FAILED);
    }
  }

  private static void stopOnSignal(Logger log, AtomicReference<OpsbusNode> running, CountDownLatch startFinished) {
    try {
      if (!startFinished.await(OpsbusNode.STEP_TIMEOUT.toSeconds() * 3, TimeUnit.SECONDS)) {
        log.error("the node was still starting; exiting without an orderly stop");
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    OpsbusNode node = running.get();
    if (node == null) {
      return; // the start failed and already cleaned up; keep its exit code
    }
    int status = 0;
    try {
      node.drain();
      node.close();
    } catch (RuntimeException e) {
      log.error("{}", e.getMessage());
      status = EXIT_START_FAILED;
    }
    System.out.flush();
    System.err.flush();
    // Without this the JVM reports a signal exit (143 for SIGTERM) even after an orderly stop.
    Runtime.getRuntime().halt(status);
  }
}
