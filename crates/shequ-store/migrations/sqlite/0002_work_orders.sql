-- Work orders: the catalogue, routing, duty roster, orders with their
-- hash-chained trail, participants, photos, and the notification outbox.

CREATE TABLE categories (
    id                      INTEGER PRIMARY KEY,
    code                    TEXT    NOT NULL UNIQUE,
    name_zh                 TEXT    NOT NULL,
    name_en                 TEXT    NOT NULL,
    group_zh                TEXT    NOT NULL DEFAULT '',
    group_en                TEXT    NOT NULL DEFAULT '',
    description_zh          TEXT    NOT NULL DEFAULT '',
    description_en          TEXT    NOT NULL DEFAULT '',
    keywords                TEXT    NOT NULL DEFAULT '',
    accept_within_minutes   INTEGER NOT NULL,
    resolve_within_minutes  INTEGER NOT NULL,
    default_priority        TEXT    NOT NULL DEFAULT 'normal',
    attributes              TEXT    NOT NULL DEFAULT '[]',
    active                  INTEGER NOT NULL DEFAULT 1,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL
);

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL DEFAULT 'department',
    region_id   INTEGER NOT NULL REFERENCES regions (id),
    created_at  INTEGER NOT NULL
);

CREATE TABLE team_members (
    team_id  INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

-- A team member is on duty during a shift; a team with no shifts at all has
-- every member on duty.
CREATE TABLE duty_shifts (
    id         INTEGER PRIMARY KEY,
    team_id    INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL
);
CREATE INDEX duty_shifts_team ON duty_shifts (team_id, ends_at);

CREATE TABLE routing_rules (
    id             INTEGER PRIMARY KEY,
    category_code  TEXT,
    region_id      INTEGER NOT NULL REFERENCES regions (id),
    region_path    TEXT    NOT NULL,
    target_kind    TEXT    NOT NULL,
    target_value   TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE work_orders (
    id                   INTEGER PRIMARY KEY,
    category_id          INTEGER NOT NULL REFERENCES categories (id),
    category_code        TEXT    NOT NULL,
    source               TEXT    NOT NULL,
    state                TEXT    NOT NULL,
    priority             TEXT    NOT NULL,
    title                TEXT    NOT NULL DEFAULT '',
    description          TEXT    NOT NULL DEFAULT '',
    address              TEXT    NOT NULL DEFAULT '',
    lon                  REAL,
    lat                  REAL,
    region_id            INTEGER NOT NULL REFERENCES regions (id),
    region_path          TEXT    NOT NULL,
    place_id             INTEGER REFERENCES places (id),
    subject_person_id    INTEGER REFERENCES people (id),
    reporter_name        TEXT    NOT NULL DEFAULT '',
    reporter_phone       TEXT,
    reporter_email       TEXT,
    external_id          TEXT    UNIQUE,
    attributes           TEXT    NOT NULL DEFAULT '{}',
    owner_user_id        INTEGER REFERENCES users (id),
    supervisor_user_id   INTEGER REFERENCES users (id),
    supervised           INTEGER NOT NULL DEFAULT 0,
    escalated_accept     INTEGER NOT NULL DEFAULT 0,
    escalated_resolve    INTEGER NOT NULL DEFAULT 0,
    accept_due_at        INTEGER NOT NULL,
    resolve_due_at       INTEGER NOT NULL,
    clock_paused_at      INTEGER,
    duplicate_of         INTEGER REFERENCES work_orders (id),
    rating               TEXT,
    reopened             INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    accepted_at          INTEGER,
    resolved_at          INTEGER,
    closed_at            INTEGER,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX work_orders_created ON work_orders (created_at);
CREATE INDEX work_orders_scope ON work_orders (region_path, created_at);
-- Open orders are a small share of all orders; these partial indexes keep
-- "open orders of this person / category / deadline" fast at any history size.
CREATE INDEX work_orders_open_owner ON work_orders (owner_user_id)
    WHERE state IN ('pending', 'accepted', 'in_progress', 'returned');
-- Near-duplicate check: open orders of a category in a band of latitude,
-- covering the columns the check reads.
CREATE INDEX work_orders_open_near ON work_orders (category_code, lat, lon, created_at)
    WHERE state IN ('pending', 'accepted', 'in_progress', 'returned');
CREATE INDEX work_orders_open_due ON work_orders (resolve_due_at)
    WHERE state IN ('pending', 'accepted', 'in_progress', 'returned');
CREATE INDEX work_orders_pending_accept ON work_orders (accept_due_at)
    WHERE state = 'pending';
CREATE INDEX work_orders_resolved_close ON work_orders (resolved_at)
    WHERE state = 'resolved';

CREATE TABLE order_events (
    order_id       INTEGER NOT NULL REFERENCES work_orders (id),
    seq            INTEGER NOT NULL,
    at             INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    actor_user_id  INTEGER,
    action         TEXT    NOT NULL,
    from_state     TEXT    NOT NULL,
    to_state       TEXT    NOT NULL,
    note           TEXT    NOT NULL DEFAULT '',
    data           TEXT    NOT NULL DEFAULT '{}',
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL,
    PRIMARY KEY (order_id, seq)
);

-- Private links for reporters (follow and rate an order without an
-- account); only the token's hash is kept.
CREATE TABLE order_links (
    token_hash  TEXT    PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES work_orders (id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX order_links_order ON order_links (order_id);

-- Co-owners, summoned departments and followers of an order.
CREATE TABLE order_participants (
    order_id     INTEGER NOT NULL REFERENCES work_orders (id),
    kind         TEXT    NOT NULL,
    user_id      INTEGER REFERENCES users (id),
    team_id      INTEGER REFERENCES teams (id),
    due_at       INTEGER,
    reported_at  INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX order_participants_order ON order_participants (order_id);
CREATE INDEX order_participants_user ON order_participants (user_id, kind);

-- Reporters of linked duplicates follow the order that carries on.
CREATE TABLE order_followers (
    order_id           INTEGER NOT NULL REFERENCES work_orders (id),
    follower_order_id  INTEGER NOT NULL REFERENCES work_orders (id),
    PRIMARY KEY (order_id, follower_order_id)
);

CREATE TABLE order_photos (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES work_orders (id),
    stage         TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT    NOT NULL,
    data          BLOB    NOT NULL,
    uploaded_by   TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX order_photos_order ON order_photos (order_id);

-- One row per notification to deliver, written in the same transaction as
-- the change it reports.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER REFERENCES work_orders (id),
    user_id          INTEGER REFERENCES users (id),
    channel          TEXT    NOT NULL,
    recipient        TEXT    NOT NULL DEFAULT '',
    payload          TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX outbox_due ON outbox (channel, next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_user ON outbox (user_id, id) WHERE channel = 'popup';
CREATE INDEX outbox_dead ON outbox (created_at) WHERE state = 'dead';

-- Open orders by grid and state, kept in the same transaction as each
-- change, so the command centre's counters never scan the orders.
CREATE TABLE order_counts (
    region_id  INTEGER NOT NULL REFERENCES regions (id),
    state      TEXT    NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (region_id, state)
);

-- Open orders each person holds, kept in the same transaction as each
-- change: routing picks the least-loaded person without counting orders.
CREATE TABLE user_loads (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id),
    open_orders  INTEGER NOT NULL
);
