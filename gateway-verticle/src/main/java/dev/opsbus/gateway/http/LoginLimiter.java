package dev.opsbus.gateway.http;

import io.vertx.core.Future;

/**
 * Where {@link AuthApi} takes a login attempt's slot before the password is checked: this node's
 * {@link LoginThrottle}, or {@link ClusterLoginThrottle} when nodes form a cluster.
 */
interface LoginLimiter {

  /** Takes a slot: 0 when taken, else the seconds to wait. Completes before bcrypt may run. */
  Future<Long> reserve(String source, String username);

  /** The password was right: this user's count from this address starts again, the slot is given back. */
  void succeeded(String source, String username);

  /** The password was never checked: the slot is given back. */
  void released(String source, String username);

  static LoginLimiter local(LoginThrottle t) {
    return new LoginLimiter() {
      @Override
      public Future<Long> reserve(String source, String username) {
        return Future.succeededFuture(t.reserve(source, username));
      }

      @Override
      public void succeeded(String source, String username) {
        t.succeeded(source, username);
      }

      @Override
      public void released(String source, String username) {
        t.released(source, username);
      }
    };
  }
}
