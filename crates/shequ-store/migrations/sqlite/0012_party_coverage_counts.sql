-- Coverage of the new sectors, kept up to date so that a district's report
-- reads a few rows per region, and its gaps from an index, instead of
-- every place with its covers.
--
-- party_place_covers: every place's best cover (0 its own organisation,
-- 1 a joint branch, 2 an instructor only, 3 none: a gap). A place gets its
-- row (a gap) when the registry adds it; the store rewrites it whenever an
-- organisation covers a place, an instructor is assigned or an
-- organisation is dissolved.
--
-- party_cover_counts: how many places of each kind in each region have
-- each cover, kept by the triggers below, so that places the registry
-- adds, moves or re-kinds are counted without the registry knowing about
-- coverage.
CREATE TABLE party_place_covers (
    place_id INTEGER NOT NULL PRIMARY KEY REFERENCES places (id),
    cover    INTEGER NOT NULL
);
CREATE INDEX party_place_covers_cover ON party_place_covers (cover, place_id);

CREATE TABLE party_cover_counts (
    region_id INTEGER NOT NULL REFERENCES regions (id),
    kind      TEXT    NOT NULL,
    cover     INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (region_id, kind, cover)
) WITHOUT ROWID;

INSERT INTO party_place_covers (place_id, cover)
SELECT p.id, COALESCE(b.rank, 3) FROM places p LEFT JOIN (
    SELECT place_id, MIN(rank) AS rank FROM (
        SELECT c.place_id, CASE WHEN o.kind = 'joint_branch' THEN 1 ELSE 0 END AS rank
        FROM party_org_places c JOIN party_orgs o ON o.id = c.org_id
        WHERE o.dissolved_at IS NULL
        UNION ALL
        SELECT place_id, 2 FROM party_instructors
    ) u GROUP BY place_id
) b ON b.place_id = p.id;

INSERT INTO party_cover_counts (region_id, kind, cover, n)
SELECT p.region_id, p.kind, c.cover, COUNT(*)
FROM places p JOIN party_place_covers c ON c.place_id = p.id
GROUP BY p.region_id, p.kind, c.cover;

-- A place's cover set, changed or cleared: counted under its region and
-- kind.
CREATE TRIGGER party_cover_set AFTER INSERT ON party_place_covers BEGIN
    INSERT INTO party_cover_counts (region_id, kind, cover, n)
    SELECT region_id, kind, NEW.cover, 1 FROM places WHERE id = NEW.place_id
    ON CONFLICT (region_id, kind, cover) DO UPDATE SET n = party_cover_counts.n + excluded.n;
END;

CREATE TRIGGER party_cover_changed AFTER UPDATE OF cover ON party_place_covers
WHEN OLD.cover IS NOT NEW.cover BEGIN
    INSERT INTO party_cover_counts (region_id, kind, cover, n)
    SELECT region_id, kind, OLD.cover, -1 FROM places WHERE id = OLD.place_id
    ON CONFLICT (region_id, kind, cover) DO UPDATE SET n = party_cover_counts.n + excluded.n;
    INSERT INTO party_cover_counts (region_id, kind, cover, n)
    SELECT region_id, kind, NEW.cover, 1 FROM places WHERE id = NEW.place_id
    ON CONFLICT (region_id, kind, cover) DO UPDATE SET n = party_cover_counts.n + excluded.n;
END;

CREATE TRIGGER party_cover_cleared AFTER DELETE ON party_place_covers BEGIN
    INSERT INTO party_cover_counts (region_id, kind, cover, n)
    SELECT region_id, kind, OLD.cover, -1 FROM places WHERE id = OLD.place_id
    ON CONFLICT (region_id, kind, cover) DO UPDATE SET n = party_cover_counts.n + excluded.n;
END;

-- A place added (a gap until covered), removed, or moved to another region
-- or given another kind (its count moves with it).
CREATE TRIGGER party_place_added AFTER INSERT ON places BEGIN
    INSERT INTO party_place_covers (place_id, cover) VALUES (NEW.id, 3)
    ON CONFLICT (place_id) DO NOTHING;
END;

CREATE TRIGGER party_place_removed BEFORE DELETE ON places BEGIN
    DELETE FROM party_place_covers WHERE place_id = OLD.id;
END;

-- The registry's upsert sets every column; only a real change recounts.
CREATE TRIGGER party_place_changed AFTER UPDATE OF region_id, kind ON places
WHEN OLD.region_id IS NOT NEW.region_id OR OLD.kind IS NOT NEW.kind BEGIN
    INSERT INTO party_cover_counts (region_id, kind, cover, n)
    SELECT OLD.region_id, OLD.kind, cover, -1 FROM party_place_covers WHERE place_id = OLD.id
    ON CONFLICT (region_id, kind, cover) DO UPDATE SET n = party_cover_counts.n + excluded.n;
    INSERT INTO party_cover_counts (region_id, kind, cover, n)
    SELECT NEW.region_id, NEW.kind, cover, 1 FROM party_place_covers WHERE place_id = NEW.id
    ON CONFLICT (region_id, kind, cover) DO UPDATE SET n = party_cover_counts.n + excluded.n;
END;
