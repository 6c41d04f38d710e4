-- One row naming this installation (this database) with a random key made
-- by its first server. Servers derive their MQTT client ids from it, so
-- that two installations on one broker never take each other's sessions,
-- and a restarted server takes back its own (with the messages the broker
-- kept for it).
CREATE TABLE installation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
