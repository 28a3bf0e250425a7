-- Terminal recordings (asciicast v2), owned by the SSH relay: one row per session, its text in
-- chunks of whole lines written by the relay that holds the session, so every node can list and
-- serve them after that relay forgot the session, or stopped.
CREATE TABLE terminal_recordings (
    session_id   TEXT        PRIMARY KEY,
    host_id      TEXT        NOT NULL,
    owner        TEXT        NOT NULL,
    node_id      TEXT        NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    ended_at     TIMESTAMPTZ,
    size_bytes   BIGINT      NOT NULL DEFAULT 0,
    truncated    BOOLEAN     NOT NULL DEFAULT FALSE,
    stop_reason  TEXT
);

CREATE INDEX terminal_recordings_started ON terminal_recordings (started_at DESC);
CREATE INDEX terminal_recordings_host ON terminal_recordings (host_id, started_at DESC);

CREATE TABLE terminal_recording_chunks (
    session_id  TEXT    NOT NULL REFERENCES terminal_recordings (session_id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    data        TEXT    NOT NULL,
    PRIMARY KEY (session_id, seq)
);
