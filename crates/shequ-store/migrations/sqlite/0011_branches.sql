-- 三缘 branches: preference-form rounds (志愿填报) and their assignment,
-- and the candidate-less direct elections (无候选人直选) of a branch's
-- committee. Times are INTEGER epoch milliseconds (UTC); dates are TEXT
-- YYYY-MM-DD; lists are JSON TEXT.

-- A round run by an organisation (a neighbourhood's 党总支) for the
-- members in it and under it: open while forms come in, closed when the
-- secretary stops them, confirmed when the assignment has moved the
-- members into their branches.
CREATE TABLE branch_rounds (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES party_orgs (id),
    title        TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    opened_on    TEXT    NOT NULL,
    closed_on    TEXT,
    confirmed_on TEXT,
    -- The assignment as confirmed (JSON: member, branch, rank), kept so
    -- the record shows what was decided even after later rounds.
    result       TEXT,
    actor        TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX branch_rounds_org ON branch_rounds (org_id, id);

-- The branches a round offers; `code` becomes the party organisation's
-- code when the assignment is confirmed (an existing branch of that code
-- under the round's organisation is reused). A location branch names the
-- region it serves, which makes it the home of the members living there.
CREATE TABLE branch_offers (
    id        INTEGER PRIMARY KEY,
    round_id  INTEGER NOT NULL REFERENCES branch_rounds (id),
    code      TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    min_full  INTEGER NOT NULL,
    max_size  INTEGER NOT NULL,
    region_id INTEGER REFERENCES regions (id),
    UNIQUE (round_id, code)
);

-- A member's form: up to three offer codes in order; `entered_by` is the
-- member themself or the secretary who typed a paper form.
CREATE TABLE branch_preferences (
    round_id   INTEGER NOT NULL REFERENCES branch_rounds (id),
    person_id  INTEGER NOT NULL REFERENCES party_members (person_id),
    choice1    TEXT,
    choice2    TEXT,
    choice3    TEXT,
    entered_by TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (round_id, person_id)
);

-- An election of a branch's committee: its rounds (the first, a further
-- round 另行选举, a tie vote, then the secretary's and deputy's among the
-- committee), each with the rules it was held under and its ballots.
CREATE TABLE branch_elections (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES party_orgs (id),
    seats      INTEGER NOT NULL,
    held_on    TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX branch_elections_org ON branch_elections (org_id, id);

-- `eligible` is the list of names that may be elected in the round, as it
-- was when the round was held (the branch's full members, or the
-- candidates of a further round), so a recount gives the same answer
-- later. `result` is the tally as recorded at the time; every view and
-- `shequ audit verify` count the ballots again and compare.
CREATE TABLE branch_election_rounds (
    id          INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES branch_elections (id),
    seq         INTEGER NOT NULL,
    purpose     TEXT    NOT NULL,
    decide      TEXT    NOT NULL,
    seats       INTEGER NOT NULL,
    entitled    INTEGER NOT NULL,
    present     INTEGER NOT NULL,
    issued      INTEGER NOT NULL,
    eligible    TEXT    NOT NULL,
    result      TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (election_id, seq)
);

-- A ballot as it came back, without who cast it: the names written (a
-- JSON list; empty for a blank ballot).
CREATE TABLE branch_ballots (
    id       INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES branch_election_rounds (id),
    names    TEXT    NOT NULL
);
CREATE INDEX branch_ballots_round ON branch_ballots (round_id, id);
