-- The 15-minute community service circle (15分钟社区生活圈, seed 004): the
-- street's walking network as imported (GeoJSON LineStrings, the latest
-- one used; the graph is rebuilt from it in memory), and the walking
-- threshold of each facility type where the street set its own (the
-- defaults are GB 50180-2018's tiers, in the domain). Times are epoch
-- milliseconds (UTC).

CREATE TABLE circle_networks (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    geojson     TEXT    NOT NULL,
    lines       INTEGER NOT NULL,
    nodes       INTEGER NOT NULL,
    edges       INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    imported_at INTEGER NOT NULL
);

CREATE TABLE circle_thresholds (
    type        TEXT    PRIMARY KEY,
    metres      INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);
