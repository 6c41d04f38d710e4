-- The street's say over the departments (征询·会商·会签, seeds 002, 003):
-- a department's matter (a head's appointment, a plan or public facility,
-- a major project) and its rounds — asked before (事先征询), consulted
-- during (事中会商), signed after (事后会签) — each with a deadline for the
-- street's answer, the street's opinion and reasons, and its documents;
-- the matter ends with what the department did. Times are epoch
-- milliseconds (UTC).

CREATE TABLE consult_matters (
    id            INTEGER PRIMARY KEY,
    team_id       INTEGER NOT NULL REFERENCES teams (id),
    kind          TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    region_path   TEXT    NOT NULL,
    outcome       TEXT,
    outcome_note  TEXT,
    concluded_at  INTEGER,
    actor         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX consult_matters_team ON consult_matters (team_id);

CREATE TABLE consult_rounds (
    id            INTEGER PRIMARY KEY,
    matter_id     INTEGER NOT NULL REFERENCES consult_matters (id),
    stage         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    asked_at      INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    answered_at   INTEGER,
    opinion       TEXT,
    reasons       TEXT,
    answered_by   TEXT,
    UNIQUE (matter_id, stage)
);
-- The rounds waiting for the street, by deadline.
CREATE INDEX consult_rounds_waiting ON consult_rounds (due_at) WHERE answered_at IS NULL;

CREATE TABLE consult_documents (
    id            INTEGER PRIMARY KEY,
    round_id      INTEGER NOT NULL REFERENCES consult_rounds (id),
    name          TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    data          BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX consult_documents_round ON consult_documents (round_id);
