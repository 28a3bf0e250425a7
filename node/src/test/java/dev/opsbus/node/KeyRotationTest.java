package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.model.Role;
import dev.opsbus.model.db.Settings;
import dev.opsbus.model.secret.CredentialCipher;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, point 1: {@code java -jar opsbus.jar keys rotate} re-seals every host secret under a new
 * credentials key in one transaction and makes a new JWT key; tokens of the old key keep working
 * until they expire, or stop at once with {@code --drop-old-tokens}. Real embedded PostgreSQL, the
 * command as {@code Main} runs it, real nodes answering HTTP with the tokens.
 */
class KeyRotationTest {

  private static final String ADMIN_PASSWORD = "rotation-admin-password-1";

  @TempDir
  Path tmp;
  Path data;
  Vertx vertx;

  @BeforeEach
  void setUp() {
    data = tmp.resolve("data");
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  private record Run(int code, String out, String err) {
  }

  private Run rotate(String... extra) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> args = new java.util.ArrayList<>(List.of("rotate", "--data-dir", data.toString()));
    args.addAll(List.of(extra));
    int code = KeysCommand.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private NodeSettings settings() {
    return NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").dataDir(data).adminPassword(ADMIN_PASSWORD)
        .verticles(VerticleKind.GATEWAY).build();
  }

  private String credentialsKey() throws Exception {
    return KeyFiles.firstValue(Files.readString(data.resolve("keys").resolve(NodeKeys.CREDENTIALS_FILE)));
  }

  private JwtKeyFile jwtFile() throws Exception {
    return JwtKeyFile.parse(Files.readString(data.resolve("keys").resolve(NodeKeys.JWT_FILE)));
  }

  /**
   * An admin token signed with {@code jwtKey}. It claims a token version no revocation has passed (the
   * admin is created by the node started later, with a version of its own): these tests are about keys.
   */
  private String tokenSignedWith(String jwtKey) {
    return new TokenService(vertx, jwtKey, Duration.ofMinutes(10)).issue("admin", Set.of(Role.ADMIN), Set.of("*"), Long.MAX_VALUE).token();
  }

  @Test
  void rotationResealsEverySecretAndOldTokensLiveUntilTheyExpireUnlessDropped() throws Exception {
    String sealedBefore;
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      db.migrate();
      NodeKeys.Loaded keys = NodeKeys.load(data, Map.of(), db);
      CredentialCipher old = new CredentialCipher(keys.credentialsKey());
      CredentialsKeyTest.insertHost(db, "h1", old.encrypt("pass-of-h1"));
      CredentialsKeyTest.insertHost(db, "h2", old.encrypt("-----BEGIN OPENSSH PRIVATE KEY-----\nxyz\n"));
      sealedBefore = CredentialsKeyTest.sealedSecret(db, "h1");
    }
    String oldCred = credentialsKey();
    String oldJwt = jwtFile().current();
    String oldToken = tokenSignedWith(oldJwt);

    Run r = rotate();
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("2 host secret(s) re-sealed").contains("copy both files to every node");

    String newCred = credentialsKey();
    JwtKeyFile jwt = jwtFile();
    assertThat(newCred).isNotEqualTo(oldCred);
    assertThat(jwt.current()).isNotEqualTo(oldJwt);
    assertThat(jwt.previous()).isEqualTo(oldJwt);
    assertThat(jwt.rotatedAt()).isNotNull();
    Path keys = data.resolve("keys");
    try (var files = Files.list(keys)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("no half-done rotation left behind")
          .containsExactlyInAnyOrder(EmbeddedAuth.PASSWORD_FILE, NodeKeys.CREDENTIALS_FILE, NodeKeys.JWT_FILE);
    }
    for (String f : List.of(NodeKeys.CREDENTIALS_FILE, NodeKeys.JWT_FILE)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve(f)))).as(f).isEqualTo("rw-------");
    }

    String newToken;
    try (OpsbusNode node = OpsbusNode.start(settings(), Map.of())) {
      NodeClient http = new NodeClient(node.httpPort());
      // a rotation needs every node stopped: the embedded database is locked by this one
      Run whileRunning = rotate();
      assertThat(whileRunning.code()).isEqualTo(Main.EXIT_START_FAILED);
      assertThat(whileRunning.err()).contains("in use by another running node");

      assertThat(http.get("/api/hosts", oldToken).status()).as("a token of the old key, before it expires").isEqualTo(200);
      newToken = http.login("admin", ADMIN_PASSWORD);
      assertThat(http.get("/api/hosts", newToken).status()).isEqualTo(200);
      assertThat(http.get("/api/hosts", tokenSignedWith(KeyFiles.randomBase64(64))).status()).isEqualTo(401);
    }
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      String sealedAfter = CredentialsKeyTest.sealedSecret(db, "h1");
      assertThat(sealedAfter).isNotEqualTo(sealedBefore);
      assertThat(new CredentialCipher(newCred).decrypt(sealedAfter)).isEqualTo("pass-of-h1");
      assertThat(new CredentialCipher(newCred).decrypt(CredentialsKeyTest.sealedSecret(db, "h2"))).startsWith("-----BEGIN");
      assertThatThrownBy(() -> new CredentialCipher(oldCred).decrypt(sealedAfter)).isInstanceOf(IllegalArgumentException.class);
      assertThat(CredentialsKeyTest.setting(db, Settings.CREDENTIALS_KEY_CHECK)).isEqualTo(KeyFiles.checkValue(newCred));
    }

    Run dropping = rotate(KeysCommand.DROP_OLD_TOKENS);
    assertThat(dropping.code()).as(dropping.err()).isZero();
    assertThat(jwtFile().previous()).isNull();
    try (OpsbusNode node = OpsbusNode.start(settings(), Map.of())) {
      NodeClient http = new NodeClient(node.httpPort());
      assertThat(http.get("/api/hosts", newToken).status()).as("--drop-old-tokens: the previous key's token").isEqualTo(401);
      assertThat(http.get("/api/hosts", oldToken).status()).isEqualTo(401);
      assertThat(http.get("/api/hosts", http.login("admin", ADMIN_PASSWORD)).status()).isEqualTo(200);
    }
  }

  @Test
  void previousKeyTokensAreRefusedOnceTheyHaveAllExpired() throws Exception {
    JwtKeyFile before = JwtKeyFile.generate();
    Instant longAgo = Instant.now().minus(Duration.ofHours(1));
    JwtKeyFile rotated = before.rotate(longAgo, false);
    NodeKeys.Loaded keys = new NodeKeys.Loaded(KeyFiles.randomBase64(32), null, rotated, null);
    TokenService service = TokenService.withKeys(vertx, keys.secrets(Duration.ofMinutes(15)), Duration.ofMinutes(15));
    String oldToken = tokenSignedWith(before.current());
    assertThatThrownBy(() -> service.verify(oldToken).toCompletionStage().toCompletableFuture().get())
        .hasMessageContaining("not valid");

    JwtKeyFile recent = before.rotate(Instant.now(), false);
    TokenService fresh = TokenService.withKeys(vertx,
        new NodeKeys.Loaded(KeyFiles.randomBase64(32), null, recent, null).secrets(Duration.ofMinutes(15)), Duration.ofMinutes(15));
    assertThat(fresh.verify(oldToken).toCompletionStage().toCompletableFuture().get().username()).isEqualTo("admin");
  }

  @Test
  void aRotationStoppedAfterItsCommitIsFinishedByTheNextStart() throws Exception {
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      db.migrate();
      NodeKeys.load(data, Map.of(), db);
      // as if 'keys rotate' had committed and died before renaming: the .new file is the key now
      String next = KeyFiles.randomBase64(CredentialCipher.KEY_BYTES);
      Path credFile = data.resolve("keys").resolve(NodeKeys.CREDENTIALS_FILE);
      KeyFiles.writePrivate(credFile.resolveSibling(NodeKeys.CREDENTIALS_FILE + NodeKeys.NEW_SUFFIX), next + "\n");
      try (var c = db.connect(); var st = c.prepareStatement("UPDATE settings SET value = ? WHERE key = ?")) {
        st.setString(1, KeyFiles.checkValue(next));
        st.setString(2, Settings.CREDENTIALS_KEY_CHECK);
        st.executeUpdate();
      }
      assertThat(NodeKeys.load(data, Map.of(), db).credentialsKey()).isEqualTo(next);
      assertThat(credentialsKey()).isEqualTo(next);
      assertThat(credFile.resolveSibling(NodeKeys.CREDENTIALS_FILE + NodeKeys.NEW_SUFFIX)).doesNotExist();
    }
  }
}
