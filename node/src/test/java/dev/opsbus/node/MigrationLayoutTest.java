package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each module holds the migrations of the tables it owns ({@code db/migration/<module>/}); they
 * used to sit in one folder of shared-model. {@code db/legacy-layout} keeps byte copies of that
 * folder as it was, to prove a database created by an older node still migrates and validates.
 */
class MigrationLayoutTest {

  private String database;

  @BeforeEach
  void createDatabase() throws SQLException {
    database = "layout_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    admin("CREATE DATABASE " + database);
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
  }

  private static void admin(String sql) throws SQLException {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + TestDatabase.start().getPort() + "/" + database;
  }

  private String pgUrl() {
    return "postgresql://postgres:postgres@localhost:" + TestDatabase.start().getPort() + "/" + database;
  }

  private Flyway flyway(String location) {
    return Flyway.configure().dataSource(jdbcUrl(), "postgres", "postgres").locations(location).load();
  }

  /** version, description, checksum and success of every applied migration, in order. */
  private List<String> history() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl(), "postgres", "postgres");
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT version, description, checksum, success FROM flyway_schema_history ORDER BY installed_rank")) {
      while (rs.next()) {
        rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3) + " " + rs.getBoolean(4));
      }
    }
    return rows;
  }

  @Test
  void aDatabaseMigratedFromTheOldSingleFolderMigratesAndValidatesWithTheModulesFolders() throws Exception {
    assertThat(flyway("classpath:db/legacy-layout").migrate().migrationsExecuted).isEqualTo(3);
    List<String> before = history();

    try (NodeDatabase db = NodeDatabase.connectExternal(pgUrl())) {
      db.migrate();
    }

    // the old layout's rows stay as they were; migrations added since then follow them
    List<String> after = history();
    assertThat(after.subList(0, before.size())).as("nothing re-applied, nothing rewritten").isEqualTo(before);
    assertThat(after.size()).as("only the migrations added since were applied").isEqualTo(new java.util.HashSet<>(after).size());
    Flyway now = flyway(NodeDatabase.MIGRATIONS);
    assertThat(now.validateWithResult().validationSuccessful).as("%s", now.validateWithResult().getAllErrorMessages()).isTrue();
    assertThat(Arrays.stream(now.info().all()).map(MigrationInfo::getState)).containsOnly(MigrationState.SUCCESS);
  }

  @Test
  void aNewDatabaseGetsTheSameHistoryAsOneMadeFromTheOldFolder() throws Exception {
    try (NodeDatabase db = NodeDatabase.connectExternal(pgUrl())) {
      db.migrate();
    }
    List<String> fresh = history();
    dropDatabase();
    createDatabase();
    flyway("classpath:db/legacy-layout").migrate();

    // the old layout's three, then those added since (which never were in the old folder)
    assertThat(fresh).hasSizeGreaterThan(3);
    List<String> legacy = history();
    assertThat(legacy).hasSize(3);
    assertThat(fresh.subList(0, 3)).isEqualTo(legacy);
  }

  @Test
  void eachMigrationLivesWithTheModuleThatOwnsItsTables() {
    List<String> scripts = Arrays.stream(flyway(NodeDatabase.MIGRATIONS).info().all())
        .map(i -> i.getVersion() + " " + i.getScript()).toList();

    assertThat(scripts).containsExactly(
        "1 shared/V1__users_and_settings.sql",
        "2 gateway/V2__hosts.sql",
        "3 operations/V3__operations_and_activity.sql",
        "4 gateway/V4__user_token_version.sql",
        "5 operations/V5__idempotency_scope.sql",
        "15 gateway/V15__service_keys.sql",
        "16 gateway/V16__users_disabled.sql",
        "17 gateway/V17__user_notifications.sql",
        "18 ssh/V18__terminal_recordings.sql",
        "19 gateway/V19__service_key_expiry.sql",
        "20 operations/V20__operation_fences.sql");
  }
}
