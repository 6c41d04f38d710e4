-- Door-access sensing: devices, the credentials they read, the events they
-- report, and the alert rules and alerts raised from them.
-- Times are INTEGER epoch milliseconds (UTC); JSON is TEXT.

-- Door controllers, each at one entrance of one building, each with its own
-- ingest token (only the token's hash is kept).
CREATE TABLE devices (
    id             INTEGER PRIMARY KEY,
    code           TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL DEFAULT '',
    kind           TEXT    NOT NULL DEFAULT 'door_controller',
    building_id    INTEGER NOT NULL REFERENCES places (id),
    entrance       TEXT    NOT NULL DEFAULT '',
    region_path    TEXT    NOT NULL,
    token_hash     TEXT    UNIQUE,
    enabled        INTEGER NOT NULL DEFAULT 1,
    last_heard_at  INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX devices_scope ON devices (region_path);
CREATE INDEX devices_building ON devices (building_id);

-- Cards and fobs issued to residents: a credential read at a door names a
-- person and their household.
CREATE TABLE door_credentials (
    credential    TEXT    PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES people (id),
    household_id  INTEGER REFERENCES households (id),
    building_id   INTEGER REFERENCES places (id),
    issued_at     INTEGER NOT NULL
);
CREATE INDEX door_credentials_person ON door_credentials (person_id);

-- Accepted passes. (device_id, event_id) makes a re-delivered event count
-- once. Raw rows are pruned after the retention period; the daily counts
-- below stay.
CREATE TABLE door_events (
    seq           INTEGER PRIMARY KEY,
    device_id     INTEGER NOT NULL,
    event_id      TEXT    NOT NULL,
    at            INTEGER NOT NULL,
    direction     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    credential    TEXT    NOT NULL,
    person_id     INTEGER,
    household_id  INTEGER,
    building_id   INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    UNIQUE (device_id, event_id)
);
-- No index by person: with one, each commit of a batch dirties a page per
-- person and ingest slows thirty-fold (see DESIGN.md). Last-seen times live
-- in memory and are rebuilt from a time range; the index on time is cheap
-- because events arrive in time order.
CREATE INDEX door_events_at ON door_events (at);

-- Events refused at ingest, kept for a while so an operator can see what a
-- device sends.
CREATE TABLE rejected_door_events (
    id           INTEGER PRIMARY KEY,
    device_code  TEXT    NOT NULL DEFAULT '',
    channel      TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    detail       TEXT    NOT NULL DEFAULT '',
    payload      TEXT    NOT NULL DEFAULT '',
    received_at  INTEGER NOT NULL
);
CREATE INDEX rejected_door_events_received ON rejected_door_events (received_at);

-- Passes per day (street time zone) per building and household
-- (household_id 0 = the building as a whole); kept after raw events go.
CREATE TABLE door_daily_counts (
    day           TEXT    NOT NULL,
    building_id   INTEGER NOT NULL,
    household_id  INTEGER NOT NULL DEFAULT 0,
    passes        INTEGER NOT NULL DEFAULT 0,
    visitors      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, building_id, household_id)
);

-- Alert rules. kind: inactivity | night_activity | visitor_threshold |
-- device_silence; params is the kind's JSON; a rule that targets named
-- people or households (targets non-empty) carries a purpose and an expiry.
CREATE TABLE alert_rules (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    region_path  TEXT    NOT NULL,
    params       TEXT    NOT NULL DEFAULT '{}',
    targets      TEXT    NOT NULL DEFAULT '[]',
    purpose      TEXT    NOT NULL DEFAULT '',
    expires_at   INTEGER,
    enabled      INTEGER NOT NULL DEFAULT 1,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- Every change to a rule, append-only.
CREATE TABLE alert_rule_changes (
    id        INTEGER PRIMARY KEY,
    rule_id   INTEGER NOT NULL REFERENCES alert_rules (id),
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    before    TEXT    NOT NULL DEFAULT '',
    after     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX alert_rule_changes_rule ON alert_rule_changes (rule_id, at);

-- Alerts raised by rules. subject is what the alert is about
-- ('person:12', 'household:7', 'device:3'); one open alert per rule and subject.
-- state: open | cleared (the condition ended, e.g. the resident was seen) | closed.
CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY,
    rule_id       INTEGER NOT NULL REFERENCES alert_rules (id),
    kind          TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    person_id     INTEGER REFERENCES people (id),
    household_id  INTEGER REFERENCES households (id),
    device_id     INTEGER REFERENCES devices (id),
    building_id   INTEGER REFERENCES places (id),
    region_path   TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'open',
    raised_at     INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    last_seen_at  INTEGER,
    cleared_at    INTEGER,
    order_id      INTEGER REFERENCES work_orders (id),
    details       TEXT    NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (rule_id, subject) WHERE state = 'open';
CREATE INDEX alerts_scope ON alerts (region_path, raised_at);

-- The command centre counts orders resolved today and this month's
-- on-time and satisfaction figures by resolution time; without this index
-- both scan the whole history. (Added by the command-centre work.)
CREATE INDEX work_orders_resolved_at ON work_orders (resolved_at) WHERE resolved_at IS NOT NULL;
