-- Messages to one user (issue 15): user.{username}.notifications keeps the last 100 per user, so a
-- user who was offline is shown them at the next login. seq grows across all users; a subscriber
-- resumes with sinceSeq.
CREATE TABLE user_notifications (
  seq        bigserial PRIMARY KEY,
  username   text NOT NULL,
  body       jsonb NOT NULL,
  sent_by    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_notifications_by_user ON user_notifications (username, seq);
