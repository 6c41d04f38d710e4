-- Keys the server signs with (device cookies of the login limits). The
-- first server to start on this database makes each one; every later
-- start and every other instance on the same database reads the same, so
-- what it signed stays valid across restarts and instances. Hex text.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
