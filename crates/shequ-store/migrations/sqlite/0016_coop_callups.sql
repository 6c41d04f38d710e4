-- Call-ups in an emergency (应急响应, seed 003): the street or a
-- neighbourhood calls its members and volunteers to duty posts (a gate, a
-- testing point, deliveries to the housebound), each a shift needing so
-- many people; those who answer sign up for a post and check in on duty,
-- the shift's hours credited as volunteering (on their 双报到 record when
-- they have one). Times are INTEGER epoch milliseconds (UTC).

CREATE TABLE coop_callups (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    region_id   INTEGER NOT NULL REFERENCES regions (id),
    region_path TEXT    NOT NULL,
    closed_at   INTEGER,
    actor       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX coop_callups_scope ON coop_callups (region_path);

CREATE TABLE coop_callup_posts (
    id        INTEGER PRIMARY KEY,
    callup_id INTEGER NOT NULL REFERENCES coop_callups (id),
    name      TEXT    NOT NULL,
    place_id  INTEGER REFERENCES places (id),
    starts_at INTEGER NOT NULL,
    ends_at   INTEGER NOT NULL,
    needed    INTEGER NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (needed > 0)
);
CREATE INDEX coop_callup_posts_callup ON coop_callup_posts (callup_id, starts_at);

CREATE TABLE coop_callup_answers (
    post_id        INTEGER NOT NULL REFERENCES coop_callup_posts (id),
    person_id      INTEGER NOT NULL REFERENCES people (id),
    answered_at    INTEGER NOT NULL,
    checked_in_at  INTEGER,
    hours_tenths   INTEGER,
    service_record INTEGER REFERENCES party_service_records (id),
    PRIMARY KEY (post_id, person_id)
);
CREATE INDEX coop_callup_answers_person ON coop_callup_answers (person_id);
