package dev.opsbus.model;

/**
 * Every bus address opsbus uses, in one place: constants for fixed addresses and patterns for the
 * ones with an id in them. Nobody writes an address string literal anywhere else.
 */
public final class Addresses {

  private Addresses() {
  }

  // metrics and status
  public static final String METRICS_NODE = "metrics.node";
  public static final String METRICS_CLUSTER = "metrics.cluster";
  public static final AddressPattern METRICS_HOST = AddressPattern.of("metrics.host.{hostId}");
  /** Request: the last health sample of a host ({@code {"changes": [sample]}}), replayed to new subscribers. */
  public static final String METRICS_HOST_LAST = "metrics.host.last";
  public static final String STATUS_SERVER = "status.server";
  public static final String STATUS_VERSION = "status.version";
  /** request/reply: the build this node runs ({@code BuildNotice}), the replay of {@link #STATUS_VERSION}. */
  public static final String STATUS_BUILD = "status.build";

  // operations
  public static final String OPS_START = "ops.start";
  public static final String OPS_CANCEL = "ops.cancel";
  public static final String OPS_GET = "ops.get";
  public static final String OPS_LIST = "ops.list";
  /** Request: the operation types, their parameters, and whether the caller may start each. */
  public static final String OPS_TYPES = "ops.types";
  public static final AddressPattern OPS_UPDATES_HOST = AddressPattern.of("ops.updates.host.{hostId}");
  public static final String OPS_UPDATES_ALL = "ops.updates.all";
  /** Node-local to the owner of an operation: cancel it (the node that runs it kills the command). */
  public static final AddressPattern OPS_NODE_CANCEL = AddressPattern.of("ops.node.{nodeId}.cancel");

  /** Request: schedules (admin): {@code {"action": "create|list|delete", ...}}. */
  public static final String OPS_SCHEDULES = "ops.schedules";

  // activity
  public static final String ACTIVITY_EVENTS = "activity.events";
  /** Request: persisted activity, oldest first after {@code sinceSeq}, or newest first before {@code beforeSeq}. */
  public static final String ACTIVITY_LIST = "activity.list";

  // ssh relay
  public static final String SSH_SESSIONS = "ssh.sessions";
  public static final String SSH_OPEN = "ssh.open";
  public static final String SSH_CLOSE = "ssh.close";
  public static final String SSH_JOIN = "ssh.join";
  public static final String SSH_EXEC = "ssh.exec";
  /** Where the relay streams one {@code ssh.exec}'s output lines and its exit, as the caller named it. */
  public static final AddressPattern SSH_EXEC_STREAM = AddressPattern.of("ssh.exec.{execId}.stream");
  public static final String SSH_EXEC_CANCEL = "ssh.exec.cancel";
  /**
   * Stops what is left on its host of a command whose relay was lost ({@code {hostId, execId}}),
   * over a fresh connection, finding its processes by the tag in their environment; answers
   * {@code {execId, outcome}}: killed, gone, unsupported or left. Internal (no bridge rule).
   */
  public static final String SSH_EXEC_FENCE = "ssh.exec.fence";
  /**
   * Served only by the relay that runs the command: {@code ssh.exec.cancel} lands on any relay of
   * the cluster, and one that does not run it forwards here.
   */
  public static final AddressPattern SSH_EXEC_CANCEL_ONE = AddressPattern.of("ssh.exec.{execId}.cancel");
  /** Request: the session list ({@code GET /api/terminals}). */
  public static final String SSH_LIST = "ssh.list";
  /** Request: a browser socket attaches to a session it joined; the reply carries the scrollback. */
  public static final String SSH_ATTACH = "ssh.attach";
  /** Send: a browser socket of a session went away (the grace period starts when none is left). */
  public static final String SSH_DETACH = "ssh.detach";
  /** Request: the driver resizes the terminal. */
  public static final String SSH_RESIZE = "ssh.resize";
  /** Request: a participant invites another user as writer or viewer. */
  public static final String SSH_INVITE = "ssh.invite";
  /** Request: an admin fetches a session's asciicast recording. */
  public static final String SSH_RECORDING = "ssh.recording";
  /**
   * Request, admins only ({@code {hostId?, sessionId?, limit?}} → {@code {recordings: [...]}}): the
   * terminal recordings kept in the database, newest first; served by every relay. No rule names it.
   */
  public static final String RECORDINGS_LIST = "recordings.list";
  /**
   * Request, admins only ({@code {sessionId, from?}} → {@code {sessionId, text, next}}): one page
   * (about 1 MB of whole asciicast lines) of a recording from chunk {@code from} on; {@code next} is the
   * chunk to ask for next, null at the end. Served by every relay. No rule names it.
   */
  public static final String RECORDINGS_READ = "recordings.read";
  /** Request: connect to a host and report the host key fingerprint it offers (nothing is pinned). */
  public static final String SSH_HOSTKEY_SCAN = "ssh.hostkey.scan";

  // presence
  /** Publish: who is connected, cluster-wide, merged per user (tabs, nodes, what they view). */
  public static final String PRESENCE_CHANGES = "presence.changes";
  /** Send, from a bridge client: what this tab views ({@code {"view": "dashboard" | "host:<id>" | "terminal:<sid>"}}). */
  public static final String PRESENCE_VIEW = "presence.view";
  /** Request: the current presence list. */
  public static final String PRESENCE_LIST = "presence.list";
  /** Internal: one gateway's own tabs, published on every change and as a heartbeat. */
  public static final String PRESENCE_NODE = "presence.node";

  // hosts (owned by the gateway: its HostStore is the only code that reads or writes the table)
  /** Publish ({@code HostChange}): a host was added, changed or removed; relays drop what they cached about it. */
  public static final String HOSTS_CHANGED = "hosts.changed";
  /**
   * Request, internal ({@code HostRequest} -> {@code HostRecord}, or {@code not_found}): one host,
   * never its secret. Served by every gateway; no rule names it, so it is never bridged.
   */
  public static final String HOSTS_GET = "hosts.get";
  /** Request, internal ({@code {}} -> {@code HostList}): every host, never a secret. Never bridged. */
  public static final String HOSTS_LIST = "hosts.list";
  /**
   * Request, internal ({@code HostRequest} -> {@code HostConnection}): what the SSH relay needs to
   * connect, with the credential still sealed (AES-GCM ciphertext; the key never travels). Refused
   * to any message that carries a user's identity; no rule names it, so it is never bridged.
   */
  public static final String HOSTS_CONNECTION = "hosts.connection";
  // users (owned by the gateway)
  /**
   * Publish, internal ({@code UserRevoked}): a user's tokens up to a version are revoked (logout,
   * role, grant or password change) or the user is gone. Every gateway updates its token cache and
   * closes that user's sockets holding an older token. No rule names it, so it is never bridged.
   */
  public static final String USERS_REVOKED = "users.revoked";
  public static final AddressPattern SSH_SESSION_OUT = AddressPattern.of("ssh.session.{sid}.out");
  public static final AddressPattern SSH_SESSION_IN = AddressPattern.of("ssh.session.{sid}.in");
  public static final AddressPattern SSH_SESSION_EVENTS = AddressPattern.of("ssh.session.{sid}.events");
  /**
   * Request/send, relay to relay only (no rule names it, so it is never bridged): the relay that owns
   * a terminal serves it; every relay forwards {@code ssh.join}, {@code ssh.attach}, {@code ssh.detach},
   * {@code ssh.resize}, {@code ssh.invite}, {@code ssh.close} and {@code ssh.recording} here, with the
   * original address in the {@code op} header, so a request reaches the owner from any node.
   */
  public static final AddressPattern SSH_SESSION_CONTROL = AddressPattern.of("ssh.session.{sid}.control");
  /**
   * Not an address of its own: the {@code op} of a send to {@link #SSH_SESSION_CONTROL} with which a
   * gateway's terminal socket that fell behind holds the session's output ({@code {"holder", "hold":
   * true}}) and lets it go ({@code "hold": false}). The relay stops reading the shell while any hold
   * is in force; a hold not renewed lapses on its own, so a gateway that died holds nothing.
   */
  public static final String SSH_FLOW = "ssh.flow";

  // logs
  public static final AddressPattern LOGS_HOST = AddressPattern.of("logs.host.{hostId}.{stream}");
  /**
   * Request: the last lines of a log ({@code {"changes": [log_lines batches]}}), replayed to new
   * subscribers of {@link #LOGS_HOST}. Any relay answers; one that does not tail the log asks its owner.
   */
  public static final String LOGS_HOST_LAST = "logs.host.last";
  /** Node-local to the relay that tails a host's logs: its last lines, for {@link #LOGS_HOST_LAST}. */
  public static final AddressPattern NODE_LOGS_LAST = AddressPattern.of("node.{nodeId}.logs.last");

  /**
   * Node-local address (never bridged: no rule names it) on which the metrics verticle asks the
   * gateway of its own node for connection counts. The node id keeps it local in a cluster.
   */
  public static final AddressPattern NODE_GATEWAY_STATS = AddressPattern.of("node.{nodeId}.gateway.stats");

  /**
   * Request, internal (never bridged: no rule names it): the SSH relay of one node answers (an
   * empty reply) while it runs. Metrics verticles count a relay online while it answers, and forget
   * the terminal sessions of a node once nobody serves its address.
   */
  public static final AddressPattern NODE_SSH_PING = AddressPattern.of("node.{nodeId}.ssh.ping");
  /**
   * The relay of that node only (a node-local consumer): the operations verticle runs its
   * operations' commands on its own node's relay, so the node that owns an operation is the node
   * that runs it, and losing one loses both. Same {@code ExecRequest} as {@link #SSH_EXEC}.
   */
  public static final AddressPattern NODE_SSH_EXEC = AddressPattern.of("node.{nodeId}.ssh.exec");
}
