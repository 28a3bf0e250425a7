-- Service keys (issue 15): named credentials for internal services. Only the SHA-256 of the secret
-- is kept (the secret is 32 random bytes, so a fast hash is enough: see docs/SERVICES.md); the
-- scope says which roles and hosts the key carries and which addresses it may use beyond the rules.
CREATE TABLE service_keys (
  name          text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  secret_sha256 text NOT NULL UNIQUE,
  roles         text[] NOT NULL CHECK (cardinality(roles) > 0),
  hosts         text[] NOT NULL DEFAULT '{}',
  grants        jsonb NOT NULL DEFAULT '{}',
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
