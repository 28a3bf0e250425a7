package dev.opsbus.model.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** Which failures mean "the database is away, try again" (store_unavailable) and which do not. */
class StoreFailuresTest {

  private static DatabaseException sqlState(String state) {
    return new DatabaseException("from the server", 0, state) {
    };
  }

  @Test
  void anAbsentOrDroppingDatabaseIsStoreUnavailable() {
    assertThat(StoreFailures.isStoreDown(new ConnectException("Connection refused"))).isTrue();
    assertThat(StoreFailures.isStoreDown(ClosedConnectionException.INSTANCE)).isTrue();
    assertThat(StoreFailures.isStoreDown(new RuntimeException("wrapped", new ConnectException("refused")))).isTrue();
    assertThat(StoreFailures.isStoreDown(sqlState("57P01"))).as("terminating connection due to administrator command").isTrue();
    assertThat(StoreFailures.isStoreDown(sqlState("08006"))).as("connection failure").isTrue();
    assertThat(StoreFailures.isStoreDown(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, ErrorCode.STORE_UNAVAILABLE.failureCode(), "away")))
        .as("another service said so").isTrue();
    assertThat(StoreFailures.classify(new ConnectException("Connection refused")))
        .isInstanceOfSatisfying(OpsbusException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
  }

  @Test
  void aRefusalOnTheMeritsIsNot() {
    assertThat(StoreFailures.isStoreDown(sqlState("23505"))).as("unique violation").isFalse();
    assertThat(StoreFailures.isStoreDown(new IllegalStateException("bad row"))).isFalse();
    assertThat(StoreFailures.isStoreDown(new OpsbusException(ErrorCode.ACCESS_DENIED, "no"))).isFalse();
    assertThat(StoreFailures.isStoreDown(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, ErrorCode.NOT_FOUND.failureCode(), "no"))).isFalse();
    IllegalStateException other = new IllegalStateException("bad row");
    assertThat(StoreFailures.classify(other)).isSameAs(other);
  }
}
