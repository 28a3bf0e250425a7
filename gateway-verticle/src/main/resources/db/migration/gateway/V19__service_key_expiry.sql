-- Service keys may expire (issue 15): past expires_at a key is refused everywhere with key_expired,
-- and the connections it holds are cut as a revoked key's are. NULL: the key does not expire.
ALTER TABLE service_keys ADD COLUMN expires_at timestamptz;
