-- Long-running operations. At most one pending or in-progress operation per (host, type), across
-- the whole cluster: the partial unique index makes a second start fail atomically.
CREATE TABLE operations (
  id              uuid PRIMARY KEY,
  host_id         text NOT NULL,
  type            text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'in_progress', 'completed', 'failed', 'cancelled')),
  progress        integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  message         text,
  error           text,
  created_by      text NOT NULL CHECK (created_by IN ('user', 'cron', 'auto')),
  requested_by    text,
  node_id         text NOT NULL,
  version         bigint NOT NULL DEFAULT 1,
  params          jsonb NOT NULL DEFAULT '{}',
  metadata        jsonb NOT NULL DEFAULT '{}',
  idempotency_key text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  completed_at    timestamptz
);
CREATE UNIQUE INDEX operations_one_active_per_host_type ON operations (host_id, type) WHERE status IN ('pending', 'in_progress');
CREATE UNIQUE INDEX operations_idempotency_key ON operations (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX operations_host_created ON operations (host_id, created_at DESC);
CREATE INDEX operations_node_active ON operations (node_id) WHERE status IN ('pending', 'in_progress');

-- Every change of every operation, in one order: a client resumes from the last seq it saw.
CREATE TABLE operation_changes (
  seq          bigserial PRIMARY KEY,
  operation_id uuid NOT NULL,
  host_id      text NOT NULL,
  version      bigint NOT NULL,
  snapshot     jsonb NOT NULL,
  ts           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (operation_id, version)
);
CREATE INDEX operation_changes_host_seq ON operation_changes (host_id, seq);

-- Liveness of the nodes running the operations verticle: a node silent for too long has its
-- operations failed with node_lost by a survivor.
CREATE TABLE operation_nodes (
  node_id   text PRIMARY KEY,
  last_seen timestamptz NOT NULL DEFAULT now()
);

-- Schedules: one row per (host, type) schedule; next_run_at is claimed atomically, so exactly one
-- node fires each occurrence.
CREATE TABLE operation_schedules (
  id          uuid PRIMARY KEY,
  host_id     text NOT NULL,
  type        text NOT NULL,
  params      jsonb NOT NULL DEFAULT '{}',
  cron        text NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  created_by  text NOT NULL,
  next_run_at timestamptz NOT NULL,
  last_run_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Everything published on activity.events, in order.
CREATE TABLE activity (
  seq      bigserial PRIMARY KEY,
  id       uuid NOT NULL UNIQUE,
  ts       timestamptz NOT NULL,
  action   text NOT NULL,
  username text,
  node_id  text,
  address  text,
  code     text,
  message  text,
  data     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX activity_ts ON activity (ts);
