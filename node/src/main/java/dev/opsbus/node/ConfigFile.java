package dev.opsbus.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.gateway.GatewayConfig;
import dev.opsbus.gateway.servicekeys.ServiceSettings;
import dev.opsbus.metrics.MetricsConfig;
import dev.opsbus.model.Json;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.config.ConfigException;
import dev.opsbus.operations.OperationsConfig;
import dev.opsbus.ssh.SshRelayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code --config} JSON file: one object of sections. The {@code node} section holds the values
 * that also have a flag ({@link NodeSettingsParser.Option}); every other section belongs to one module,
 * whose config record reads and checks it. This class only reads the file, refuses unknown
 * sections, and adds the file's name to a record's error.
 */
final class ConfigFile {

  /** The {@code node} section: values that also have a flag and an environment variable. */
  static final String NODE = "node";
  static final Set<String> SECTIONS = Set.of(NODE, PermissionRules.SECTION, GatewayConfig.SECTION, BridgeLimits.SECTION,
      MetricsConfig.SECTION, OperationsConfig.SECTION, SshRelayConfig.SECTION, ServiceSettings.SECTION,
      DrainConfig.SECTION);

  private final Path path;
  private final JsonNode root;

  private ConfigFile(Path path, JsonNode root) {
    this.path = path;
    this.root = root;
  }

  Path path() {
    return path;
  }

  /** Reads the file {@code raw} names, refusing unknown sections and unknown {@code node} keys. */
  static ConfigFile read(NodeSettingsParser.Raw raw) {
    Path p = NodeSettingsParser.path(raw);
    String text;
    try {
      text = Files.readString(p);
    } catch (NoSuchFileException e) {
      throw new SettingsException("config file " + p + " (" + raw.origin() + ") cannot be read: no such file");
    } catch (IOException e) {
      throw new SettingsException("config file " + p + " (" + raw.origin() + ") cannot be read: " + e, e);
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
      throw new SettingsException("config file " + p + " is not valid JSON" + where + ": " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new SettingsException("config file " + p + " must hold one JSON object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!SECTIONS.contains(name)) {
        throw new SettingsException("config file " + p + ": unknown section '" + name + "' (known: "
            + String.join(", ", SECTIONS.stream().sorted().toList()) + ")");
      }
      if (!root.get(name).isObject()) {
        throw new SettingsException("config file " + p + ": section '" + name + "' must be a JSON object");
      }
    }
    ConfigFile f = new ConfigFile(p, root);
    Set<String> nodeKeys = nodeKeys();
    for (Iterator<String> it = root.path(NODE).fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!nodeKeys.contains(key)) {
        throw f.error(ConfigException.unknownKey(NODE + "." + key, nodeKeys));
      }
    }
    return f;
  }

  private static Set<String> nodeKeys() {
    Set<String> keys = new LinkedHashSet<>();
    for (NodeSettingsParser.Option o : NodeSettingsParser.Option.values()) {
      if (o.fileKey != null) {
        keys.add(o.fileKey);
      }
    }
    return keys;
  }

  /** A {@code node} section value as text, arrays joined with commas, so flags and file share one parser. */
  NodeSettingsParser.Raw nodeValue(String key) {
    JsonNode n = root.path(NODE).get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    String origin = NODE + "." + key + " in " + source();
    if (n.isArray()) {
      List<String> parts = new ArrayList<>();
      n.forEach(e -> {
        if (!e.isValueNode()) {
          throw new SettingsException(origin + ": must be a list of strings");
        }
        parts.add(e.asText());
      });
      return new NodeSettingsParser.Raw(String.join(",", parts), origin);
    }
    if (!n.isValueNode()) {
      throw new SettingsException(origin + ": must be a string, number or boolean");
    }
    return new NodeSettingsParser.Raw(n.asText(), origin);
  }

  /** Hands each module section to its config record, over what the builder holds. */
  void applySections(NodeSettings.Builder b) {
    try {
      b.permissions(PermissionRules.fromJson(root.get(PermissionRules.SECTION), b.permissions()));
      GatewayConfig gateway = GatewayConfig.fromJson(root.get(GatewayConfig.SECTION), b.gateway());
      b.gateway(gateway.withBridge(BridgeLimits.fromJson(root.get(BridgeLimits.SECTION), gateway.bridge())));
      b.gateway(b.gateway().withServices(ServiceSettings.fromJson(root.get(ServiceSettings.SECTION), b.gateway().services())));
      b.metrics(MetricsConfig.fromJson(root.get(MetricsConfig.SECTION), b.metrics()));
      b.operations(OperationsConfig.fromJson(root.get(OperationsConfig.SECTION), b.operations()));
      b.sshRelay(SshRelayConfig.fromJson(root.get(SshRelayConfig.SECTION), b.sshRelay()));
      b.drain(DrainConfig.fromJson(root.get(DrainConfig.SECTION), b.drain()));
    } catch (ConfigException e) {
      throw error(e);
    }
  }

  private String source() {
    return "config file " + path;
  }

  private SettingsException error(ConfigException e) {
    return new SettingsException(e.messageIn(source()), e);
  }
}
