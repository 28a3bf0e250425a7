-- Idempotency keys belong to whoever gave them: a key is unique per (scope, host, type), where the
-- scope is the caller's identity ('user:<name>') or, for starts from inside the cluster, a namespace
-- no caller can name ('cluster:cron' for schedules). Keys stored before this migration have no
-- scope and are matched by no request any more.
ALTER TABLE operations ADD COLUMN idempotency_scope text;
DROP INDEX operations_idempotency_key;
CREATE UNIQUE INDEX operations_idempotency_scoped ON operations (idempotency_scope, host_id, type, idempotency_key)
  WHERE idempotency_key IS NOT NULL AND idempotency_scope IS NOT NULL;
