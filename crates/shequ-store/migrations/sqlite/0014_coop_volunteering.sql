-- Volunteering (志愿服务) of regional cooperation: teams (a party-member
-- medical team, a safety patrol…) with their members, the activities they
-- run with time, place and places, and each volunteer's sign-up and
-- check-in. Times are INTEGER epoch milliseconds (UTC).

-- A team, of a neighbourhood or the street (its region), optionally of a
-- resident unit; `category` is what it mostly does.
CREATE TABLE coop_teams (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    unit_id     INTEGER REFERENCES coop_units (id),
    region_id   INTEGER NOT NULL REFERENCES regions (id),
    region_path TEXT    NOT NULL,
    leader      TEXT    NOT NULL DEFAULT '',
    actor       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX coop_teams_scope ON coop_teams (region_path, name);

CREATE TABLE coop_team_members (
    team_id   INTEGER NOT NULL REFERENCES coop_teams (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, person_id)
);
CREATE INDEX coop_team_members_person ON coop_team_members (person_id);

-- An activity of a team: when (start and end), where, how many may sign
-- up. `region_path` is the team's, copied for the scoped lists.
CREATE TABLE coop_activities (
    id          INTEGER PRIMARY KEY,
    team_id     INTEGER NOT NULL REFERENCES coop_teams (id),
    title       TEXT    NOT NULL,
    place_id    INTEGER NOT NULL REFERENCES places (id),
    region_path TEXT    NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    capacity    INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (capacity > 0)
);
CREATE INDEX coop_activities_team ON coop_activities (team_id, starts_at);

-- A volunteer's sign-up; `checked_in_at` and `hours_tenths` once they
-- checked in, and the double-registration service record (双报到) the
-- hours were written to, in the check-in's own transaction, when the
-- volunteer is a registered member.
CREATE TABLE coop_signups (
    activity_id    INTEGER NOT NULL REFERENCES coop_activities (id),
    person_id      INTEGER NOT NULL REFERENCES people (id),
    signed_at      INTEGER NOT NULL,
    checked_in_at  INTEGER,
    hours_tenths   INTEGER,
    service_record INTEGER REFERENCES party_service_records (id),
    PRIMARY KEY (activity_id, person_id)
);
CREATE INDEX coop_signups_person ON coop_signups (person_id);
