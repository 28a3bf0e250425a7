-- Fences: the command of an operation failed because its node was lost may still run on its host
-- (closing an SSH connection does not stop a command without a terminal). Until a fence is done
-- (the command confirmed gone), a new start of the same host and type waits, up to a timeout.
CREATE TABLE operation_fences (
  operation_id uuid PRIMARY KEY,
  host_id      text NOT NULL,
  type         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  attempted_at timestamptz,
  attempts     integer NOT NULL DEFAULT 0,
  done_at      timestamptz,
  outcome      text
);
CREATE INDEX operation_fences_open ON operation_fences (host_id, type) WHERE done_at IS NULL;
