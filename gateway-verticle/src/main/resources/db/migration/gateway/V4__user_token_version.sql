-- Revocation: every token carries the version of its user's tokens it was issued under. Logout,
-- deletion, a role, grant or password change raise the version; a token below it is refused.
ALTER TABLE users ADD COLUMN token_version bigint NOT NULL DEFAULT 0;
