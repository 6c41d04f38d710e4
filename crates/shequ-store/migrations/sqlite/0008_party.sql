-- Party organisation (党组织): the tree, and every change to it kept with
-- who, when, before and after. Times are INTEGER epoch milliseconds (UTC);
-- dates are TEXT YYYY-MM-DD; JSON is TEXT.

CREATE TABLE party_orgs (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    parent_id    INTEGER REFERENCES party_orgs (id),
    region_id    INTEGER REFERENCES regions (id),
    founded_on   TEXT,
    dissolved_at INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX party_orgs_parent ON party_orgs (parent_id);

CREATE TABLE party_org_changes (
    id      INTEGER PRIMARY KEY,
    org_id  INTEGER NOT NULL REFERENCES party_orgs (id),
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    before  TEXT,
    after   TEXT    NOT NULL
);
CREATE INDEX party_org_changes_org ON party_org_changes (org_id, id);

-- Members (党员): a person of the registry, with their standing; and the
-- memberships that say which organisation they belonged to, and when
-- (from_day inclusive, to_day exclusive, NULL while it lasts).
CREATE TABLE party_members (
    person_id     INTEGER NOT NULL PRIMARY KEY REFERENCES people (id),
    joined_on     TEXT   NOT NULL,
    probation_end TEXT,
    converted_on  TEXT,
    unit          TEXT   NOT NULL DEFAULT '',
    mobile        INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE party_memberships (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES party_members (person_id),
    org_id     INTEGER NOT NULL REFERENCES party_orgs (id),
    from_day   TEXT   NOT NULL,
    to_day     TEXT
);
CREATE INDEX party_memberships_org ON party_memberships (org_id, from_day);
CREATE INDEX party_memberships_person ON party_memberships (person_id, from_day);

-- Transfers (组织关系转接): from an organisation here or outside (named in
-- from_outside), to one here or outside; requested, then accepted by the
-- receiver, then completed, when the memberships change. The sender
-- counts the member until then.
CREATE TABLE party_transfers (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES party_members (person_id),
    from_org_id  INTEGER REFERENCES party_orgs (id),
    from_outside TEXT,
    to_org_id    INTEGER REFERENCES party_orgs (id),
    to_outside   TEXT,
    letter_no    TEXT   NOT NULL DEFAULT '',
    state        TEXT   NOT NULL,
    requested_on TEXT   NOT NULL,
    accepted_on  TEXT,
    completed_on TEXT,
    closed_on    TEXT,
    note         TEXT   NOT NULL DEFAULT '',
    actor        TEXT   NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX party_transfers_person ON party_transfers (person_id, id);
CREATE INDEX party_transfers_open ON party_transfers (state, requested_on);

-- Committees (支委会): who holds which seat, for which term.
CREATE TABLE party_committee_seats (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES party_orgs (id),
    person_id  INTEGER NOT NULL REFERENCES people (id),
    role       TEXT   NOT NULL,
    term_start TEXT   NOT NULL,
    term_end   TEXT   NOT NULL
);
CREATE INDEX party_committee_seats_org ON party_committee_seats (org_id, term_end);

-- The places an organisation covers (a joint branch covers several), and
-- the places watched by an assigned instructor (党建指导员) instead.
CREATE TABLE party_org_places (
    org_id   INTEGER NOT NULL REFERENCES party_orgs (id),
    place_id INTEGER NOT NULL REFERENCES places (id),
    PRIMARY KEY (org_id, place_id)
);
CREATE INDEX party_org_places_place ON party_org_places (place_id);

CREATE TABLE party_instructors (
    place_id    INTEGER NOT NULL PRIMARY KEY REFERENCES places (id),
    name        TEXT   NOT NULL,
    assigned_on TEXT   NOT NULL
);

-- Double registration (双报到): a member (person_id) or a unit
-- organisation (org_id) registers with a region (a neighbourhood or the
-- street), naming its service posts; service records accumulate on it,
-- each with its source (registration, or volunteering later) and who
-- confirmed it. Hours are kept in tenths.
CREATE TABLE party_registrations (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER REFERENCES party_members (person_id),
    org_id        INTEGER REFERENCES party_orgs (id),
    region_id     INTEGER NOT NULL REFERENCES regions (id),
    region_path   TEXT   NOT NULL,
    posts         TEXT   NOT NULL DEFAULT '',
    registered_on TEXT   NOT NULL,
    created_at    INTEGER NOT NULL,
    CHECK ((person_id IS NULL) <> (org_id IS NULL))
);
CREATE UNIQUE INDEX party_registrations_person ON party_registrations (person_id);
CREATE INDEX party_registrations_scope ON party_registrations (region_path);

CREATE TABLE party_service_records (
    id              INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES party_registrations (id),
    day             TEXT   NOT NULL,
    hours_tenths    INTEGER NOT NULL,
    what            TEXT   NOT NULL,
    source          TEXT   NOT NULL,
    confirmed_by    TEXT   NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX party_service_records_registration ON party_service_records (registration_id, day);
