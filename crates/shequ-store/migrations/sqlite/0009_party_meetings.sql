-- Joint meetings (联席会议) of the party capability: a standing meeting of
-- a district, street or neighbourhood; its members (party organisations
-- and resident units, one row each, keyed so none is listed twice); its
-- sessions (day, place, attendance, agenda, minutes); and the decisions
-- taken at each, with the work order each became. A decision is stored
-- before its order is filed, so a filing lost to a crash is found
-- (order_id NULL) and filed again; the order's external id
-- (meeting-decision:<id>) makes that second filing find the first.
-- Times are INTEGER epoch milliseconds (UTC); dates TEXT YYYY-MM-DD.

CREATE TABLE party_meetings (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    level           TEXT    NOT NULL,
    region_id       INTEGER NOT NULL REFERENCES regions (id),
    region_path     TEXT    NOT NULL,
    convener_org_id INTEGER REFERENCES party_orgs (id),
    parent_id       INTEGER REFERENCES party_meetings (id),
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX party_meetings_scope ON party_meetings (region_path);

CREATE TABLE party_meeting_members (
    id             INTEGER PRIMARY KEY,
    meeting_id     INTEGER NOT NULL REFERENCES party_meetings (id),
    -- 'org:<id>' or 'unit:<name>': what makes a member the same one.
    member_key     TEXT    NOT NULL,
    org_id         INTEGER REFERENCES party_orgs (id),
    unit_name      TEXT    NOT NULL DEFAULT '',
    place_id       INTEGER REFERENCES places (id),
    representative TEXT    NOT NULL DEFAULT '',
    added_at       INTEGER NOT NULL,
    CHECK (org_id IS NOT NULL OR unit_name <> '')
);
CREATE UNIQUE INDEX party_meeting_members_key ON party_meeting_members (meeting_id, member_key);
CREATE INDEX party_meeting_members_org ON party_meeting_members (org_id);

CREATE TABLE party_meeting_sessions (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES party_meetings (id),
    held_on     TEXT    NOT NULL,
    venue       TEXT    NOT NULL DEFAULT '',
    agenda      TEXT    NOT NULL,
    minutes     TEXT    NOT NULL DEFAULT '',
    -- JSON list of party_meeting_members ids present.
    attended    TEXT    NOT NULL DEFAULT '[]',
    attendees   INTEGER NOT NULL DEFAULT 0,
    recorded_by TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX party_meeting_sessions_meeting ON party_meeting_sessions (meeting_id, held_on);

CREATE TABLE party_meeting_decisions (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES party_meeting_sessions (id),
    meeting_id INTEGER NOT NULL REFERENCES party_meetings (id),
    seq        INTEGER NOT NULL,
    title      TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '',
    category   TEXT    NOT NULL,
    place_id   INTEGER REFERENCES places (id),
    due_on     TEXT,
    order_id   INTEGER REFERENCES work_orders (id),
    created_at INTEGER NOT NULL,
    UNIQUE (session_id, seq)
);
CREATE INDEX party_meeting_decisions_meeting ON party_meeting_decisions (meeting_id);
CREATE INDEX party_meeting_decisions_order ON party_meeting_decisions (order_id);
