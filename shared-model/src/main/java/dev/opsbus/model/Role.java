package dev.opsbus.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a user is. Permission rules name roles; every user has one or more. */
public enum Role {
  ADMIN, OPERATOR, VIEWER, SERVICE;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Role parse(String s) {
    for (Role r : values()) {
      if (r.wireName().equals(s)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown role '" + s + "' (admin, operator, viewer, service)");
  }
}
