package dev.opsbus.gateway.bridge;

/** A token bucket: {@code ratePerSecond} sustained, {@code burst} at once. Not thread-safe: one per connection, used on its event loop. */
final class TokenBucket {

  private final double ratePerNano;
  private final double burst;
  private double tokens;
  private long last;

  TokenBucket(int ratePerSecond, int burst) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
    this.last = System.nanoTime();
  }

  boolean tryTake() {
    long now = System.nanoTime();
    tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
