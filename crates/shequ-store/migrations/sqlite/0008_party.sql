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
