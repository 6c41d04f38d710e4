-- A unit organisation registers (双报到) once, as a member does: a second
-- registration of the same organisation is refused as taken.
CREATE UNIQUE INDEX party_registrations_org ON party_registrations (org_id);
