-- Hosts the SSH relay reaches. The secret (password or private key) is AES-GCM encrypted with the
-- cluster-wide key in settings ('credentials.aes.key'); it is never stored, logged or sent in clear.
CREATE TABLE hosts (
  id                   text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name                 text NOT NULL,
  address              text NOT NULL,
  port                 integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  username             text NOT NULL,
  auth_type            text NOT NULL CHECK (auth_type IN ('password', 'key')),
  secret_encrypted     text NOT NULL,
  host_key_fingerprint text,
  logs                 jsonb NOT NULL DEFAULT '[]',
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
