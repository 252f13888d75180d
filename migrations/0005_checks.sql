-- 0005_checks: website checks. The district's list of required documents, check runs, each
-- school's stored checks with their evidence and documents, what changed since the school's
-- previous check, and the schedule the checker daemons share (due date and lease).
--
-- The checker stores one school's result in one round trip (mw.store_site_check); the district's
-- list is applied here, server-side, at the time of the check. mw.school_site_latest is the
-- stable contract the KPIs and the dashboard read.

-- ---- the documents a district requires -------------------------------------------------------

-- Every document code the check knows (DOMAIN.md), its Russian title and whether a district
-- requires it unless it says otherwise. A new district starts from this list.
CREATE TABLE mw.document_kind (
    type             mw.document_type PRIMARY KEY CHECK (type <> 'other'),
    ord              int NOT NULL UNIQUE,
    title            text NOT NULL,
    default_required boolean NOT NULL
);
INSERT INTO mw.document_kind (type, ord, title, default_required) VALUES
    ('regulation', 1, 'Положение о наставничестве', true),
    ('roadmap', 2, 'Дорожная карта (план мероприятий) по внедрению целевой модели наставничества', true),
    ('order_implementation', 3, 'Приказ о внедрении целевой модели наставничества', true),
    ('order_curator', 4, 'Приказ о назначении куратора (координатора) наставничества', true),
    ('order_pairs', 5, 'Приказ об утверждении (закреплении) наставнических пар (групп)', true),
    ('program', 6, 'Программа наставничества', true),
    ('order_mentor_school', 7, 'Приказ об организации «Школы наставников»', false),
    ('order_final_event', 8, 'Приказ о проведении итогового мероприятия', false),
    ('target_model', 9, 'Целевая модель наставничества образовательной организации', false);

-- The district's list: one row per code it lists; `required` rows are what a school must
-- publish. Edited by the district (collector API) or an administrator (mwctl check required).
CREATE TABLE mw.district_document (
    district_id bigint NOT NULL REFERENCES mw.district (id),
    type        mw.document_type NOT NULL CHECK (type <> 'other'),
    required    boolean NOT NULL,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, type)
);

INSERT INTO mw.district_document (district_id, type, required, title)
SELECT d.id, k.type, k.default_required, k.title
  FROM mw.district d CROSS JOIN mw.document_kind k;

CREATE FUNCTION mw.district_document_defaults() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO mw.district_document (district_id, type, required, title)
    SELECT NEW.id, k.type, k.default_required, k.title FROM mw.document_kind k;
    RETURN NULL;
END
$$;
CREATE TRIGGER district_document_defaults AFTER INSERT ON mw.district
    FOR EACH ROW EXECUTE FUNCTION mw.district_document_defaults();

-- The district's required codes now, in the catalogue's order.
CREATE FUNCTION mw.district_required(p_district_id bigint) RETURNS mw.document_type[]
LANGUAGE sql STABLE
AS $$
    SELECT coalesce(array_agg(dd.type ORDER BY k.ord), '{}')
      FROM mw.district_document dd
      JOIN mw.document_kind k ON k.type = dd.type
     WHERE dd.district_id = p_district_id AND dd.required
$$;

-- Adds or changes one code of a district's list (title NULL: keep it, or the catalogue's).
-- Returns false when the code is unknown or 'other'.
CREATE FUNCTION mw.set_district_document(p_district_id bigint, p_type text, p_required boolean,
                                         p_title text)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_type IS NULL OR p_type = 'other'
       OR NOT EXISTS (SELECT 1 FROM mw.document_kind k WHERE k.type::text = p_type) THEN
        RETURN false;
    END IF;
    INSERT INTO mw.district_document AS dd (district_id, type, required, title)
    SELECT p_district_id, k.type, p_required, coalesce(p_title, k.title)
      FROM mw.document_kind k WHERE k.type::text = p_type
    ON CONFLICT (district_id, type) DO UPDATE
       SET required = EXCLUDED.required,
           title = coalesce(p_title, dd.title),
           updated_at = now();
    RETURN true;
END
$$;

-- ---- runs, checks, documents, changes --------------------------------------------------------

-- One invocation of the checker: a one-shot run, or a daemon's lifetime.
CREATE TABLE mw.check_run (
    id              bigserial PRIMARY KEY,
    mode            text NOT NULL CHECK (mode IN ('once', 'daemon')),
    district_id     bigint REFERENCES mw.district (id), -- the --district it was limited to
    worker          text NOT NULL,                      -- host:pid of the checker
    checker_version text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    schools_stored  int NOT NULL DEFAULT 0
);

-- One school's stored check. `evidence` is the checker's whole JSON line; the rest is derived
-- from it when stored. `required` is the district's list at that moment; `missing` the required
-- codes without a `found` document; `broken` the codes (any but 'other') that have documents,
-- all broken. Append-only.
CREATE TABLE mw.site_check (
    id                bigserial PRIMARY KEY,
    run_id            bigint REFERENCES mw.check_run (id),
    school_id         bigint NOT NULL REFERENCES mw.school (id),
    previous_id       bigint REFERENCES mw.site_check (id), -- the school's check stored before
    checked_at        timestamptz NOT NULL,                  -- when the check started
    stored_at         timestamptz NOT NULL DEFAULT now(),
    website           text,
    section_url       text,
    required          mw.document_type[] NOT NULL,
    missing           mw.document_type[] NOT NULL,
    broken            mw.document_type[] NOT NULL,
    found_count       int NOT NULL, -- documents with status found (of any type, 'other' too)
    document_count    int NOT NULL,
    error_count       int NOT NULL,
    pages_fetched     int,
    requests          int,
    documents_skipped int,
    elapsed_ms        bigint,
    evidence          jsonb NOT NULL
);
ALTER TABLE mw.site_check ALTER COLUMN evidence SET COMPRESSION lz4;
CREATE INDEX site_check_school_idx ON mw.site_check (school_id, id DESC);
CREATE INDEX site_check_run_idx ON mw.site_check (run_id);

-- The documents of a check ($.documents[] of the evidence, in its order).
CREATE TABLE mw.site_check_document (
    site_check_id bigint NOT NULL REFERENCES mw.site_check (id),
    ord           int NOT NULL,
    type          mw.document_type NOT NULL,
    url           text NOT NULL,
    title         text,
    status        text NOT NULL CHECK (status IN ('found', 'broken')),
    http_status   int,
    content_type  text,
    kind          text,
    bytes         bigint,
    last_modified timestamptz,
    file_url      text,
    problem       text,
    matched_by    text,
    found_on      text,
    PRIMARY KEY (site_check_id, ord)
);

-- What changed since the school's previous check, documents told apart by their link (url):
-- 'new' (not linked before), 'removed' (linked before, not now), 'changed' (`fields` lists
-- which of type, title, status, kind, bytes, last_modified, file_url, problem differ).
-- `before`/`after` are the document rows as JSON (NULL for new/removed respectively).
CREATE TABLE mw.site_check_change (
    site_check_id bigint NOT NULL REFERENCES mw.site_check (id),
    ord           int NOT NULL,
    change        text NOT NULL CHECK (change IN ('new', 'removed', 'changed')),
    type          mw.document_type NOT NULL,
    url           text NOT NULL,
    fields        text[] NOT NULL DEFAULT '{}',
    before        jsonb,
    after         jsonb,
    PRIMARY KEY (site_check_id, ord)
);

-- ---- the schedule ----------------------------------------------------------------------------

-- When each school is due, and who holds it. A checker claims due rows with
-- FOR UPDATE SKIP LOCKED and sets a lease; a crashed checker's lease runs out and the school
-- is taken again. Every school has a row (new schools through the trigger), due at once.
CREATE TABLE mw.check_schedule (
    school_id     bigint PRIMARY KEY REFERENCES mw.school (id),
    due_at        timestamptz NOT NULL DEFAULT now(),
    leased_by     text,        -- host:pid of the checker holding it
    lease_until   timestamptz, -- after this the lease is void
    claims        int NOT NULL DEFAULT 0,
    last_check_id bigint REFERENCES mw.site_check (id),
    CHECK ((leased_by IS NULL) = (lease_until IS NULL))
);
CREATE INDEX check_schedule_due_idx ON mw.check_schedule (due_at);

INSERT INTO mw.check_schedule (school_id) SELECT s.id FROM mw.school s;

CREATE FUNCTION mw.check_schedule_new_school() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO mw.check_schedule (school_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER check_schedule_new_school AFTER INSERT ON mw.school
    FOR EACH ROW EXECUTE FUNCTION mw.check_schedule_new_school();

-- Districts check sites in November and April: without an interval a school is due again at
-- the next 1 November or 1 April (Moscow time) after p_after.
CREATE FUNCTION mw.next_check_due(p_after timestamptz, p_interval_seconds int)
RETURNS timestamptz
LANGUAGE sql STABLE
AS $$
    SELECT CASE
        WHEN p_interval_seconds IS NOT NULL AND p_interval_seconds > 0
            THEN p_after + make_interval(secs => p_interval_seconds)
        ELSE (SELECT min(c) FROM (
                  SELECT (make_date(y, m, 1)::timestamp AT TIME ZONE 'Europe/Moscow') AS c
                    FROM generate_series(extract(year FROM p_after AT TIME ZONE 'Europe/Moscow')::int,
                                         extract(year FROM p_after AT TIME ZONE 'Europe/Moscow')::int + 1) y,
                         unnest(ARRAY[4, 11]) m) x
               WHERE c > p_after)
    END
$$;

-- Makes schools due now: one school (p_school_code), or every school of a district
-- (p_district_code). Returns how many. A school being checked keeps its lease.
CREATE FUNCTION mw.make_checks_due(p_district_code text, p_school_code text) RETURNS int
LANGUAGE sql
AS $$
    WITH u AS (
        UPDATE mw.check_schedule cs SET due_at = now()
          FROM mw.school s JOIN mw.district d ON d.id = s.district_id
         WHERE cs.school_id = s.id
           AND (p_school_code IS NULL OR s.code = p_school_code)
           AND (p_district_code IS NULL OR d.code = p_district_code)
           AND (p_school_code IS NOT NULL OR p_district_code IS NOT NULL)
        RETURNING 1)
    SELECT count(*)::int FROM u
$$;

-- ---- what the checker calls ------------------------------------------------------------------

-- The section address to try first: the district's (mw.school.section_url), else the one the
-- school's latest check found.
CREATE FUNCTION mw.known_section_url(p_school_id bigint) RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT coalesce(
        (SELECT s.section_url FROM mw.school s WHERE s.id = p_school_id),
        (SELECT c.section_url FROM mw.site_check c
          WHERE c.school_id = p_school_id AND c.section_url IS NOT NULL
          ORDER BY c.id DESC LIMIT 1))
$$;

-- Schools to check without claiming them (one-shot runs). With p_school_codes: those codes in
-- their order, an unknown code as a row with school_id NULL. Otherwise every school of
-- p_district_code that has a website. `required` is the district's list, comma-separated.
CREATE FUNCTION mw.check_targets(p_district_code text, p_school_codes text[])
RETURNS TABLE (code text, school_id bigint, district_code text, website text, section_url text,
               required text)
LANGUAGE sql STABLE
AS $$
    SELECT c.code, s.id, d.code::text, s.website, mw.known_section_url(s.id),
           array_to_string(mw.district_required(s.district_id), ',')
      FROM unnest(p_school_codes) WITH ORDINALITY AS c(code, ord)
      LEFT JOIN mw.school s ON s.code = c.code
      LEFT JOIN mw.district d ON d.id = s.district_id
     WHERE p_school_codes IS NOT NULL
    UNION ALL
    SELECT s.code::text, s.id, d.code::text, s.website, mw.known_section_url(s.id),
           array_to_string(mw.district_required(s.district_id), ',')
      FROM mw.school s JOIN mw.district d ON d.id = s.district_id
     WHERE p_school_codes IS NULL AND d.code = p_district_code AND s.website IS NOT NULL
$$;

-- A daemon takes up to p_limit due schools (of one district, or all) for p_lease_seconds:
-- rows another checker is claiming are skipped, not waited for; a void lease is taken over.
-- Schools without a website are never due for a check.
CREATE FUNCTION mw.claim_site_checks(p_worker text, p_limit int, p_lease_seconds int,
                                     p_district_code text)
RETURNS TABLE (code text, school_id bigint, district_code text, website text, section_url text,
               required text)
LANGUAGE sql
AS $$
    WITH due AS (
        SELECT cs.school_id
          FROM mw.check_schedule cs
          JOIN mw.school s ON s.id = cs.school_id
          JOIN mw.district d ON d.id = s.district_id
         WHERE cs.due_at <= now()
           AND (cs.lease_until IS NULL OR cs.lease_until < now())
           AND s.website IS NOT NULL
           AND (p_district_code IS NULL OR d.code = p_district_code)
         ORDER BY cs.due_at, cs.school_id
         LIMIT p_limit
           FOR UPDATE OF cs SKIP LOCKED),
    claimed AS (
        UPDATE mw.check_schedule cs
           SET leased_by = p_worker,
               lease_until = now() + make_interval(secs => p_lease_seconds),
               claims = cs.claims + 1
          FROM due WHERE cs.school_id = due.school_id
        RETURNING cs.school_id)
    SELECT s.code::text, s.id, d.code::text, s.website, mw.known_section_url(s.id),
           array_to_string(mw.district_required(s.district_id), ',')
      FROM claimed c
      JOIN mw.school s ON s.id = c.school_id
      JOIN mw.district d ON d.id = s.district_id
     ORDER BY s.id
$$;

-- Gives back schools a checker holds and will not check (it is stopping): due as before.
CREATE FUNCTION mw.release_site_checks(p_worker text, p_school_ids bigint[]) RETURNS int
LANGUAGE sql
AS $$
    WITH u AS (
        UPDATE mw.check_schedule cs SET leased_by = NULL, lease_until = NULL
         WHERE cs.leased_by = p_worker AND cs.school_id = ANY (p_school_ids)
        RETURNING 1)
    SELECT count(*)::int FROM u
$$;

CREATE FUNCTION mw.start_check_run(p_mode text, p_district_code text, p_worker text,
                                   p_version text)
RETURNS bigint
LANGUAGE sql
AS $$
    INSERT INTO mw.check_run (mode, district_id, worker, checker_version)
    VALUES (p_mode, (SELECT d.id FROM mw.district d WHERE d.code = p_district_code), p_worker,
            p_version)
    RETURNING id
$$;

CREATE FUNCTION mw.finish_check_run(p_run_id bigint) RETURNS void
LANGUAGE sql
AS $$
    UPDATE mw.check_run SET finished_at = now() WHERE id = p_run_id
$$;

-- Stores one school's check: the checker's JSON line (README of services/checker) as text.
-- Applies the district's list as it is now, records what changed since the school's previous
-- check and reschedules the school (p_interval_seconds, NULL or 0: the next November/April)
-- unless another checker holds it. One round trip; never raises for a bad line:
--   code 'stored' | 'unknown_school' (no school has the line's code) | 'invalid_result'
--   (not the checker's format; the reason is in the server log).
CREATE FUNCTION mw.store_site_check(p_run_id bigint, p_worker text, p_result text,
                                    p_interval_seconds int)
RETURNS TABLE (code text, site_check_id bigint, school_id bigint, missing text[],
               broken text[], compliant boolean, changes int, next_due_at timestamptz)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_doc         jsonb;
    v_school_id   bigint;
    v_district_id bigint;
    v_id          bigint;
    v_prev        bigint;
    v_required    mw.document_type[];
    v_missing     mw.document_type[];
    v_broken      mw.document_type[];
    v_changes     int := 0;
    v_next        timestamptz;
BEGIN
    BEGIN
        v_doc := p_result::jsonb;
        IF jsonb_typeof(v_doc->'documents') IS DISTINCT FROM 'array' THEN
            RAISE EXCEPTION 'the line has no documents array';
        END IF;
        SELECT s.id, s.district_id INTO v_school_id, v_district_id
          FROM mw.school s WHERE s.code = v_doc->>'school';
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'unknown_school', NULL::bigint, NULL::bigint, NULL::text[],
                                NULL::text[], NULL::boolean, NULL::int, NULL::timestamptz;
            RETURN;
        END IF;
        -- One check of a school at a time stores (orders previous_id between checkers).
        PERFORM 1 FROM mw.check_schedule cs WHERE cs.school_id = v_school_id FOR UPDATE;
        v_required := mw.district_required(v_district_id);
        SELECT c.id INTO v_prev FROM mw.site_check c
         WHERE c.school_id = v_school_id ORDER BY c.id DESC LIMIT 1;

        -- missing and broken from the line's documents, under the district's list of now
        SELECT coalesce(array_agg(r.t ORDER BY r.o), '{}') INTO v_missing
          FROM unnest(v_required) WITH ORDINALITY AS r(t, o)
         WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_doc->'documents') e
                            WHERE e->>'type' = r.t::text AND e->>'status' = 'found');
        SELECT coalesce(array_agg(b.t ORDER BY b.t), '{}') INTO v_broken
          FROM (SELECT (e->>'type')::mw.document_type AS t
                  FROM jsonb_array_elements(v_doc->'documents') e
                 WHERE e->>'type' <> 'other'
                 GROUP BY 1
                HAVING bool_and(e->>'status' = 'broken')) b;

        INSERT INTO mw.site_check (run_id, school_id, previous_id, checked_at, website,
                                   section_url, required, missing, broken, found_count,
                                   document_count, error_count, pages_fetched, requests,
                                   documents_skipped, elapsed_ms, evidence)
        SELECT p_run_id, v_school_id, v_prev,
               coalesce((v_doc->>'checked_at')::timestamptz, now()),
               v_doc->>'website', v_doc->>'section_url', v_required, v_missing, v_broken,
               (SELECT count(*) FROM jsonb_array_elements(v_doc->'documents') e
                 WHERE e->>'status' = 'found'),
               jsonb_array_length(v_doc->'documents'),
               jsonb_array_length(coalesce(v_doc->'errors', '[]')),
               (v_doc->>'pages_fetched')::int, (v_doc->>'requests')::int,
               (v_doc->>'documents_skipped')::int, (v_doc->>'elapsed_ms')::bigint, v_doc
        RETURNING id INTO v_id;

        INSERT INTO mw.site_check_document (site_check_id, ord, type, url, title, status,
                                            http_status, content_type, kind, bytes,
                                            last_modified, file_url, problem, matched_by,
                                            found_on)
        SELECT v_id, x.ord, x.type::mw.document_type, x.url, x.title, x.status, x.http_status,
               x.content_type, x.kind, x.bytes, x.last_modified, x.file_url, x.problem,
               x.matched_by, x.found_on
          FROM ROWS FROM (jsonb_to_recordset(v_doc->'documents')
                          AS (type text, url text, title text, status text, http_status int,
                              content_type text, kind text, bytes bigint,
                              last_modified timestamptz, file_url text, problem text,
                              matched_by text, found_on text))
               WITH ORDINALITY AS x(type, url, title, status, http_status, content_type, kind,
                                    bytes, last_modified, file_url, problem, matched_by,
                                    found_on, ord);

        IF v_prev IS NOT NULL THEN
            INSERT INTO mw.site_check_change (site_check_id, ord, change, type, url, fields,
                                              before, after)
            SELECT v_id, row_number() OVER (ORDER BY ch.url, ch.change), ch.change, ch.type,
                   ch.url, ch.fields, ch.before, ch.after
              FROM (SELECT CASE WHEN p.url IS NULL THEN 'new'
                                WHEN c.url IS NULL THEN 'removed'
                                ELSE 'changed' END AS change,
                           coalesce(c.type, p.type) AS type,
                           coalesce(c.url, p.url) AS url,
                           CASE WHEN p.url IS NULL OR c.url IS NULL THEN '{}'::text[]
                                ELSE array_remove(ARRAY[
                                    CASE WHEN c.type IS DISTINCT FROM p.type THEN 'type' END,
                                    CASE WHEN c.title IS DISTINCT FROM p.title THEN 'title' END,
                                    CASE WHEN c.status IS DISTINCT FROM p.status THEN 'status' END,
                                    CASE WHEN c.kind IS DISTINCT FROM p.kind THEN 'kind' END,
                                    CASE WHEN c.bytes IS DISTINCT FROM p.bytes THEN 'bytes' END,
                                    CASE WHEN c.last_modified IS DISTINCT FROM p.last_modified
                                         THEN 'last_modified' END,
                                    CASE WHEN c.file_url IS DISTINCT FROM p.file_url
                                         THEN 'file_url' END,
                                    CASE WHEN c.problem IS DISTINCT FROM p.problem
                                         THEN 'problem' END], NULL) END AS fields,
                           CASE WHEN p.url IS NOT NULL
                                THEN to_jsonb(p) - 'site_check_id' - 'ord' END AS before,
                           CASE WHEN c.url IS NOT NULL
                                THEN to_jsonb(c) - 'site_check_id' - 'ord' END AS after
                      FROM (SELECT * FROM mw.site_check_document WHERE site_check_id = v_id) c
                      FULL JOIN (SELECT * FROM mw.site_check_document
                                  WHERE site_check_id = v_prev) p ON p.url = c.url) ch
             WHERE ch.change <> 'changed' OR cardinality(ch.fields) > 0;
            GET DIAGNOSTICS v_changes = ROW_COUNT;
        END IF;

        v_next := mw.next_check_due(now(), p_interval_seconds);
        UPDATE mw.check_schedule cs
           SET due_at = v_next, leased_by = NULL, lease_until = NULL, last_check_id = v_id
         WHERE cs.school_id = v_school_id
           AND (cs.leased_by IS NULL OR cs.leased_by = p_worker OR cs.lease_until < now());
        IF NOT FOUND THEN
            v_next := NULL; -- another checker holds it: its schedule is that checker's
        END IF;
        UPDATE mw.check_run SET schools_stored = schools_stored + 1 WHERE id = p_run_id;

        RETURN QUERY SELECT 'stored', v_id, v_school_id, v_missing::text[], v_broken::text[],
                            cardinality(v_missing) = 0, v_changes, v_next;
        RETURN;
    EXCEPTION
        WHEN deadlock_detected OR serialization_failure OR lock_not_available THEN
            RAISE; -- the checker retries
        WHEN OTHERS THEN
            RAISE LOG 'mw.store_site_check school=% sqlstate=% error=%',
                      v_doc->>'school', SQLSTATE, SQLERRM;
            RETURN QUERY SELECT 'invalid_result', NULL::bigint, v_school_id, NULL::text[],
                                NULL::text[], NULL::boolean, NULL::int, NULL::timestamptz;
            RETURN;
    END;
END
$$;

-- ---- the contract the KPIs and the dashboard read --------------------------------------------

-- The latest stored check of each school that has one. missing: the required codes (the
-- district's list at the time of the check) with no `found` document; broken: codes whose only
-- documents are broken; found_count: documents with status found; compliant: nothing missing.
CREATE VIEW mw.school_site_latest AS
SELECT s.id AS school_id, c.id AS site_check_id, c.checked_at, c.section_url,
       cardinality(c.missing) = 0 AS compliant, c.missing::text[] AS missing,
       c.broken::text[] AS broken, c.found_count
  FROM mw.school s
  CROSS JOIN LATERAL (SELECT sc.id, sc.checked_at, sc.section_url, sc.missing, sc.broken,
                             sc.found_count
                        FROM mw.site_check sc
                       WHERE sc.school_id = s.id
                       ORDER BY sc.id DESC
                       LIMIT 1) c;
