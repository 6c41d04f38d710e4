-- Pairing (结对帮扶) of regional cooperation: a unit's party organisation
-- with a neighbourhood's (组织结对), or a cadre with a household in
-- difficulty (干部联系困难户), and the visits each pair logs. A pair with
-- no visit for `visit_days` days is overdue.

-- `region_path` is the helped side's (the neighbourhood organisation's
-- region, or the household's), whose secretary the pair answers to.
CREATE TABLE coop_pairs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    helper_org_id INTEGER REFERENCES party_orgs (id),
    helper_name   TEXT    NOT NULL DEFAULT '',
    helped_org_id INTEGER REFERENCES party_orgs (id),
    household_id  INTEGER REFERENCES households (id),
    region_path   TEXT    NOT NULL,
    paired_on     TEXT    NOT NULL,
    visit_days    INTEGER NOT NULL,
    actor         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    CHECK (visit_days > 0),
    CHECK ((kind = 'org_org' AND helper_org_id IS NOT NULL AND helped_org_id IS NOT NULL)
        OR (kind = 'cadre_household' AND household_id IS NOT NULL AND helper_name <> ''))
);
CREATE INDEX coop_pairs_scope ON coop_pairs (region_path);
CREATE INDEX coop_pairs_household ON coop_pairs (household_id);

CREATE TABLE coop_visits (
    id         INTEGER PRIMARY KEY,
    pair_id    INTEGER NOT NULL REFERENCES coop_pairs (id),
    day        TEXT    NOT NULL,
    what       TEXT    NOT NULL,
    visitor    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX coop_visits_pair ON coop_visits (pair_id, day);
