-- Assessment from the bottom up (自下而上考核, seed 002): each period
-- (a month, a quarter, a year) the street, the departments and the
-- residents rate the subjects that handle the street's work orders — the
-- departments' dispatched agencies, the neighbourhood secretaries, the
-- grid workers, the other teams — by a scheme of weighted raters and
-- indicators. The computed indicators are counted from the orders when
-- asked; hand scores and appeals are stored here; closing a period
-- freezes each subject's inputs, score and rank, and the orders counted
-- with what each counted for. Times are epoch milliseconds (UTC).

CREATE TABLE assessment_periods (
    id          INTEGER PRIMARY KEY,
    -- 2026-07, 2026-Q3, 2026
    code        TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    -- The scheme (raters, indicators, weights) as JSON, fixed when opened.
    scheme      TEXT    NOT NULL,
    region_path TEXT    NOT NULL,
    closed_at   INTEGER,
    closed_by   TEXT,
    actor       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Who is assessed in a period: a team (a department's agency or another
-- team) or a user (a secretary, a grid worker), as it was when the period
-- was opened.
CREATE TABLE assessment_subjects (
    id          INTEGER PRIMARY KEY,
    period_id   INTEGER NOT NULL REFERENCES assessment_periods (id),
    kind        TEXT    NOT NULL,
    team_id     INTEGER REFERENCES teams (id),
    user_id     INTEGER REFERENCES users (id),
    name        TEXT    NOT NULL,
    region_path TEXT    NOT NULL,
    -- Frozen when the period closes: the inputs (JSON), score and rank.
    inputs      TEXT,
    score       REAL,
    rank        INTEGER,
    CHECK ((team_id IS NULL) <> (user_id IS NULL))
);
CREATE UNIQUE INDEX assessment_subjects_team ON assessment_subjects (period_id, team_id) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX assessment_subjects_user ON assessment_subjects (period_id, user_id) WHERE user_id IS NOT NULL;

-- Hand scores (0–100 with a comment), one per subject and indicator.
CREATE TABLE assessment_scores (
    subject_id  INTEGER NOT NULL REFERENCES assessment_subjects (id),
    indicator   TEXT    NOT NULL,
    score       REAL    NOT NULL,
    comment     TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    scored_at   INTEGER NOT NULL,
    PRIMARY KEY (subject_id, indicator)
);

-- Appeals (申诉) against an order counted for a subject; an accepted one
-- takes the order out of that subject's figures.
CREATE TABLE assessment_appeals (
    id          INTEGER PRIMARY KEY,
    subject_id  INTEGER NOT NULL REFERENCES assessment_subjects (id),
    order_id    INTEGER NOT NULL REFERENCES work_orders (id),
    ground      TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending',
    actor       TEXT    NOT NULL,
    filed_at    INTEGER NOT NULL,
    decision    TEXT,
    decided_by  TEXT,
    decided_at  INTEGER,
    UNIQUE (subject_id, order_id)
);
CREATE INDEX assessment_appeals_order ON assessment_appeals (order_id);

-- Frozen at close: each order counted for each subject, with a bit for
-- each figure it counted in (see shequ_store::assess::flags).
CREATE TABLE assessment_counted (
    subject_id  INTEGER NOT NULL REFERENCES assessment_subjects (id),
    order_id    INTEGER NOT NULL REFERENCES work_orders (id),
    flags       INTEGER NOT NULL,
    PRIMARY KEY (subject_id, order_id)
);

-- The summons counted for a team subject: by the order they were on.
CREATE INDEX order_participants_team ON order_participants (team_id, kind);
