package dev.opsbus.model.hosts;

/**
 * Answer of {@code hosts.connection}: the host and its credential as stored, sealed with AES-GCM
 * ({@code CredentialCipher}, {@code v1:...}). Only the SSH relay asks for it and opens it, with the
 * cluster key it reads from the database itself; the key never travels, so the bus carries the
 * secret only in the form the database already holds.
 */
public record HostConnection(HostRecord host, String sealedSecret) {

  /** Leaves the sealed secret out: it has no business in a log line either. */
  @Override
  public String toString() {
    return "HostConnection[" + host + ", sealedSecret=<" + (sealedSecret == null ? 0 : sealedSecret.length()) + " chars>]";
  }
}
