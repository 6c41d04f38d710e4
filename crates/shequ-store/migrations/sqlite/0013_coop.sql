-- Regional cooperation (区域化党建): the units resident in the street
-- (驻区单位), and the three lists (三张清单) — needs, resources and the
-- projects that meet needs with resources. Times are INTEGER epoch
-- milliseconds (UTC); dates are TEXT YYYY-MM-DD; lists are JSON TEXT.

-- A resident unit: where it is (its place, and the region of that place,
-- copied so scope is one range predicate), its party organisation if it
-- has one, whom to call, and what it says it can offer.
CREATE TABLE coop_units (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    place_id      INTEGER NOT NULL REFERENCES places (id),
    region_id     INTEGER NOT NULL REFERENCES regions (id),
    region_path   TEXT    NOT NULL,
    party_org_id  INTEGER REFERENCES party_orgs (id),
    contact_name  TEXT    NOT NULL DEFAULT '',
    contact_phone TEXT    NOT NULL DEFAULT '',
    staff         INTEGER NOT NULL DEFAULT 0,
    offers        TEXT    NOT NULL DEFAULT '',
    actor         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX coop_units_scope ON coop_units (region_path, name);

-- A need: what, where (a place, which gives the region and the point
-- matching measures from), for whom and how many, when, how urgent, and
-- how much is wanted in the unit of the resources that could meet it
-- (0: not said). `year` is the year of `starts_on`, the list it is on.
CREATE TABLE coop_needs (
    id                INTEGER PRIMARY KEY,
    code              TEXT    NOT NULL UNIQUE,
    title             TEXT    NOT NULL,
    category          TEXT    NOT NULL,
    place_id          INTEGER NOT NULL REFERENCES places (id),
    region_id         INTEGER NOT NULL REFERENCES regions (id),
    region_path       TEXT    NOT NULL,
    raised_by         TEXT    NOT NULL,
    beneficiaries     TEXT    NOT NULL DEFAULT '',
    beneficiary_count INTEGER NOT NULL DEFAULT 0,
    wanted            INTEGER NOT NULL DEFAULT 0,
    starts_on         TEXT    NOT NULL,
    ends_on           TEXT    NOT NULL,
    year              INTEGER NOT NULL,
    urgency           TEXT    NOT NULL,
    detail            TEXT    NOT NULL DEFAULT '',
    actor             TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX coop_needs_scope ON coop_needs (year, region_path);

-- The work orders a need was raised from (recurring complaints).
CREATE TABLE coop_need_orders (
    need_id  INTEGER NOT NULL REFERENCES coop_needs (id),
    order_id INTEGER NOT NULL REFERENCES work_orders (id),
    PRIMARY KEY (need_id, order_id)
);

-- A resource a unit offers: its capacity in its unit, the windows it is
-- available in (JSON [[start, end], …]; none: any time), and two running
-- totals kept by the project writes in the same transaction, so that
-- matching reads one row per resource: `committed`, the amounts taken by
-- projects not yet done or dropped; `rating_sum` and `rating_count`, the
-- ratings of the projects it served.
CREATE TABLE coop_resources (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    title         TEXT    NOT NULL,
    category      TEXT    NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES coop_units (id),
    capacity      INTEGER NOT NULL,
    capacity_unit TEXT    NOT NULL,
    windows       TEXT    NOT NULL DEFAULT '[]',
    detail        TEXT    NOT NULL DEFAULT '',
    committed     INTEGER NOT NULL DEFAULT 0,
    rating_sum    INTEGER NOT NULL DEFAULT 0,
    rating_count  INTEGER NOT NULL DEFAULT 0,
    actor         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX coop_resources_category ON coop_resources (category, id);
CREATE INDEX coop_resources_unit ON coop_resources (unit_id);

-- A project: a need met by one or more resources. `region_path` and
-- `year` are the need's, copied for the scoped lists. A project made from
-- a joint-meeting decision names it.
CREATE TABLE coop_projects (
    id            INTEGER PRIMARY KEY,
    need_id       INTEGER NOT NULL REFERENCES coop_needs (id),
    title         TEXT    NOT NULL,
    owner         TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    starts_on     TEXT    NOT NULL,
    ends_on       TEXT    NOT NULL,
    region_path   TEXT    NOT NULL,
    year          INTEGER NOT NULL,
    participants  INTEGER NOT NULL DEFAULT 0,
    beneficiaries INTEGER NOT NULL DEFAULT 0,
    outcome       TEXT    NOT NULL DEFAULT '',
    drop_reason   TEXT,
    rating        INTEGER,
    rating_note   TEXT,
    decision_id   INTEGER REFERENCES party_meeting_decisions (id),
    actor         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK (rating IS NULL OR rating BETWEEN 1 AND 5)
);
CREATE INDEX coop_projects_scope ON coop_projects (year, region_path);
CREATE INDEX coop_projects_need ON coop_projects (need_id);

-- What a project takes of each resource.
CREATE TABLE coop_project_resources (
    project_id  INTEGER NOT NULL REFERENCES coop_projects (id),
    resource_id INTEGER NOT NULL REFERENCES coop_resources (id),
    amount      INTEGER NOT NULL,
    PRIMARY KEY (project_id, resource_id)
);
CREATE INDEX coop_project_resources_resource ON coop_project_resources (resource_id);

-- Every change of a project, with who, when, and the project before and
-- after (JSON); written in the transaction of the change, never updated.
CREATE TABLE coop_project_changes (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES coop_projects (id),
    action     TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    before     TEXT,
    after      TEXT    NOT NULL
);
CREATE INDEX coop_project_changes_project ON coop_project_changes (project_id, id);
