-- A disabled user keeps its roles and grants but may not log in or refresh a token.
ALTER TABLE users ADD COLUMN disabled boolean NOT NULL DEFAULT false;
