-- Days whose raw door events changed since their daily counts were last
-- computed. Ingest bumps a day's version in the same transaction as its
-- events (one row per day, not one per household: counting on the ingest
-- path cost more than storing the events). The counts worker recomputes a
-- day from its raw events and removes the mark only if the version is the
-- one it read, so an event stored meanwhile leaves the day marked.
CREATE TABLE door_count_days (
    day      TEXT    PRIMARY KEY,
    version  BIGINT  NOT NULL DEFAULT 1
);
