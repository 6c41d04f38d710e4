-- The people–places registry, accounts and the access log.
-- Times are INTEGER epoch milliseconds (UTC); JSON is TEXT.

CREATE TABLE regions (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    parent_id   INTEGER REFERENCES regions (id),
    path        TEXT    NOT NULL UNIQUE,
    polygon     TEXT,
    center_lon  REAL,
    center_lat  REAL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX regions_parent ON regions (parent_id);

CREATE TABLE places (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    facility_type TEXT,
    region_id     INTEGER NOT NULL REFERENCES regions (id),
    region_path   TEXT    NOT NULL,
    lon           REAL    NOT NULL,
    lat           REAL    NOT NULL,
    address       TEXT    NOT NULL DEFAULT '',
    built_year    INTEGER,
    floors        INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX places_scope ON places (region_path, kind, name);

CREATE TABLE households (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    building_id  INTEGER NOT NULL REFERENCES places (id),
    region_id    INTEGER NOT NULL REFERENCES regions (id),
    region_path  TEXT    NOT NULL,
    room         TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX households_building ON households (building_id);
CREATE INDEX households_scope ON households (region_path);

CREATE TABLE people (
    id               INTEGER PRIMARY KEY,
    identity_number  TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    gender           TEXT    NOT NULL,
    birth_date       TEXT    NOT NULL,
    phone            TEXT,
    residency        TEXT    NOT NULL,
    care_tags        TEXT    NOT NULL DEFAULT '',
    household_id     INTEGER REFERENCES households (id),
    region_id        INTEGER NOT NULL REFERENCES regions (id),
    region_path      TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX people_scope_name ON people (region_path, name);
CREATE INDEX people_name ON people (name);
CREATE INDEX people_household ON people (household_id);

CREATE TABLE person_tags (
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    tag        TEXT    NOT NULL,
    PRIMARY KEY (person_id, tag)
);
CREATE INDEX person_tags_tag ON person_tags (tag, person_id);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    region_id      INTEGER NOT NULL REFERENCES regions (id),
    phone          TEXT,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX users_region ON users (region_id);

CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    scopes        TEXT    NOT NULL,
    region_id     INTEGER NOT NULL REFERENCES regions (id),
    created_by    INTEGER REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER
);

CREATE TABLE access_log (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    actor_user_id   INTEGER,
    actor_username  TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    subject_kind    TEXT    NOT NULL,
    subject_id      TEXT    NOT NULL,
    subject_path    TEXT,
    fields          TEXT    NOT NULL DEFAULT '',
    reason          TEXT    NOT NULL DEFAULT '',
    remote_addr     TEXT
);
CREATE INDEX access_log_at ON access_log (at);
CREATE INDEX access_log_subject ON access_log (subject_kind, subject_id);
