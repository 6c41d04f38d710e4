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
    place_id BIGINT   NOT NULL PRIMARY KEY REFERENCES places (id),
    cover    SMALLINT NOT NULL
);
CREATE INDEX party_place_covers_cover ON party_place_covers (cover, place_id);

CREATE TABLE party_cover_counts (
    region_id BIGINT   NOT NULL REFERENCES regions (id),
    kind      TEXT     NOT NULL,
    cover     SMALLINT NOT NULL,
    n         BIGINT   NOT NULL,
    PRIMARY KEY (region_id, kind, cover)
);

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

CREATE FUNCTION party_cover_count_add(r BIGINT, k TEXT, c SMALLINT, d BIGINT) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO party_cover_counts (region_id, kind, cover, n) VALUES (r, k, c, d)
    ON CONFLICT (region_id, kind, cover) DO UPDATE SET n = party_cover_counts.n + excluded.n;
$$;

-- A place's cover set, changed or cleared: counted under its region and
-- kind.
CREATE FUNCTION party_cover_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r BIGINT;
    k TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT region_id, kind INTO r, k FROM places WHERE id = NEW.place_id;
    ELSE
        SELECT region_id, kind INTO r, k FROM places WHERE id = OLD.place_id;
        PERFORM party_cover_count_add(r, k, OLD.cover, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM party_cover_count_add(r, k, NEW.cover, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER party_cover_set AFTER INSERT OR DELETE ON party_place_covers
    FOR EACH ROW EXECUTE FUNCTION party_cover_counted();
CREATE TRIGGER party_cover_changed AFTER UPDATE ON party_place_covers
    FOR EACH ROW WHEN (OLD.cover IS DISTINCT FROM NEW.cover)
    EXECUTE FUNCTION party_cover_counted();

-- A place added (a gap until covered), removed, or moved to another region
-- or given another kind (its count moves with it).
CREATE FUNCTION party_place_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    c SMALLINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO party_place_covers (place_id, cover) VALUES (NEW.id, 3)
        ON CONFLICT (place_id) DO NOTHING;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM party_place_covers WHERE place_id = OLD.id;
        RETURN OLD;
    END IF;
    SELECT cover INTO c FROM party_place_covers WHERE place_id = NEW.id;
    PERFORM party_cover_count_add(OLD.region_id, OLD.kind, c, -1);
    PERFORM party_cover_count_add(NEW.region_id, NEW.kind, c, 1);
    RETURN NULL;
END
$$;

CREATE TRIGGER party_place_added AFTER INSERT ON places
    FOR EACH ROW EXECUTE FUNCTION party_place_counted();
CREATE TRIGGER party_place_removed BEFORE DELETE ON places
    FOR EACH ROW EXECUTE FUNCTION party_place_counted();
-- The registry's upsert sets every column; only a real change recounts.
CREATE TRIGGER party_place_changed AFTER UPDATE OF region_id, kind ON places
    FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id OR OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION party_place_counted();
