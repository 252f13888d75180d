-- 0009_meeting_ingest: mw.ingest_meeting without a subtransaction that writes, without the
-- advisory lock and without per-INSERT CHECK parsing. Same answers, same idempotency rules.
--
-- Why: meeting events at 64 connections were bound by PostgreSQL's CPU (~140 µs per event in
-- the group-committed batches of the collector; RESULTS.md). Per event, 0003's function ran a
-- subtransaction that wrote (an XID of its own), took an advisory lock, looked the event up
-- twice before inserting and answered through RETURN QUERY; and every INSERT re-read
-- meeting_event's four CHECK constraints from their stored text (PostgreSQL builds them per
-- statement: ~10 % of the backend's time in a profile).
--
-- How the rules are kept:
-- * (school_id, body_sha256) is now unique: a meeting happens once, and a byte-identical
--   event of the same school (under any key or none) replays the stored one. One
--   INSERT ... ON CONFLICT DO NOTHING replaces the lock and the lookups: a second identical
--   event, or the same key, waits in the unique index for the first one's transaction and
--   does nothing if it commits (inserts if it rolls back).
-- * After DO NOTHING the function reads the row that conflicted: by key first (same body:
--   200 replayed, another body: 409), then by body (200 replayed). In READ COMMITTED each
--   statement sees what committed before it, and an earlier event of the same transaction
--   (the same group commit) too.
-- * The document is parsed and typed before the INSERT, in an EXCEPTION block that writes
--   nothing (no XID: a few µs): what the database would refuse fails alone with 500, as before.
--   What could still fail in the INSERT (the school deleted meanwhile, a deadlock, resources)
--   aborts the caller's transaction; the collector then answers that event and runs the other
--   events of the batch again (services/collector/db_pool.c).
-- * The CHECKs become domains, the same conditions: the function's variables are of these
--   types, so the values are checked once, when the function assigns them, and the INSERT has
--   nothing left to check; any other writer is checked by the column types as before. Changing
--   the column types rewrites the table once (ACCESS EXCLUSIVE while it runs).

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM mw.meeting_event
                GROUP BY school_id, body_sha256 HAVING count(*) > 1) THEN
        RAISE EXCEPTION 'mw.meeting_event holds byte-identical events of one school (same '
                        'school_id and body_sha256): 0009 makes them unique; keep one of each '
                        'by hand before migrating';
    END IF;
END
$$;

CREATE DOMAIN mw.meeting_pair_code AS text COLLATE "C" CHECK (length(VALUE) BETWEEN 1 AND 64);
CREATE DOMAIN mw.meeting_note AS text CHECK (length(VALUE) <= 2000);
CREATE DOMAIN mw.idempotency_key AS text COLLATE "C" CHECK (length(VALUE) BETWEEN 1 AND 255);
CREATE DOMAIN mw.sha256 AS bytea CHECK (length(VALUE) = 32);

DROP INDEX mw.meeting_event_body_sha256_idx;
ALTER TABLE mw.meeting_event
    DROP CONSTRAINT meeting_event_pair_code_check,
    DROP CONSTRAINT meeting_event_note_check,
    DROP CONSTRAINT meeting_event_idempotency_key_check,
    DROP CONSTRAINT meeting_event_body_sha256_check,
    ALTER COLUMN pair_code TYPE mw.meeting_pair_code,
    ALTER COLUMN note TYPE mw.meeting_note,
    ALTER COLUMN idempotency_key TYPE mw.idempotency_key,
    ALTER COLUMN body_sha256 TYPE mw.sha256;
CREATE UNIQUE INDEX meeting_event_body_sha256_uq ON mw.meeting_event (school_id, body_sha256);

-- Stores one meeting event; the same answers and idempotency rules as mw.ingest_report
-- (a byte-identical event of the same school replays the stored one, under any key or none).
-- One row through OUT parameters rather than RETURNS TABLE (no RETURN QUERY: a query and a
-- tuplestore per answer); `SELECT * FROM mw.ingest_meeting(...)` gives the same columns. The
-- return type changes, hence DROP and CREATE.
DROP FUNCTION mw.ingest_meeting(bytea, text, bytea, text);
CREATE FUNCTION mw.ingest_meeting(p_token_hash bytea, p_idem_key text, p_body_sha256 bytea,
                                  p_body text, OUT http_status int, OUT code text,
                                  OUT meeting_id bigint, OUT replayed boolean,
                                  OUT received_at timestamptz)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_role        text;
    v_school_id   bigint;
    v_school_code text;
    v_doc         jsonb;
    v_year        mw.academic_year;
    v_pair        mw.meeting_pair_code;
    v_type        mw.meeting_type;
    v_date        date;
    v_feedback    boolean;
    v_note        mw.meeting_note;
    v_key         mw.idempotency_key;
    v_sha         mw.sha256;
    v_hash        bytea;
BEGIN
    replayed := false;
    SELECT t.role, s.id, s.code INTO v_role, v_school_id, v_school_code
      FROM mw.api_token t
      LEFT JOIN mw.school s ON s.id = t.school_id
     WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL;
    IF NOT FOUND THEN
        http_status := 401; code := 'unauthorized';
        RETURN;
    END IF;
    IF v_role <> 'school' THEN
        http_status := 403; code := 'forbidden';
        RETURN;
    END IF;
    -- Parse and type the event. Nothing is written in this block, so it takes no XID: a
    -- document the database refuses costs a few µs and fails alone (500), as in 0003. The
    -- typed variables carry meeting_event's domains: the INSERT below checks nothing more.
    BEGIN
        v_doc := p_body::jsonb;
        IF v_doc->>'school' IS DISTINCT FROM v_school_code THEN
            http_status := 403; code := 'forbidden';
            RETURN;
        END IF;
        v_year := v_doc->>'academic_year';
        v_pair := v_doc->>'pair';
        v_type := v_doc->>'type';
        v_date := v_doc->>'date';
        v_feedback := v_doc->>'feedback';
        v_note := v_doc->>'note';
        v_key := p_idem_key;
        v_sha := p_body_sha256;
        IF v_year IS NULL OR v_type IS NULL OR v_date IS NULL OR v_feedback IS NULL
           OR v_pair IS NULL OR v_sha IS NULL THEN
            RAISE not_null_violation USING MESSAGE = 'meeting event without a required value';
        END IF;
    EXCEPTION
        WHEN OTHERS THEN
            RAISE LOG 'mw.ingest_meeting school=% sqlstate=% error=%',
                      v_school_code, SQLSTATE, SQLERRM;
            http_status := 500; code := 'internal_error';
            RETURN;
    END;
    -- A new event, or nothing when another one holds the key or the body (an uncommitted one
    -- is waited for: it decides).
    received_at := statement_timestamp();
    INSERT INTO mw.meeting_event AS m (school_id, academic_year, pair_code, type, meeting_date,
                                       feedback, note, received_at, idempotency_key, body_sha256)
    VALUES (v_school_id, v_year, v_pair, v_type, v_date, v_feedback, v_note, received_at,
            v_key, v_sha)
    ON CONFLICT DO NOTHING
    RETURNING m.id INTO meeting_id;
    IF meeting_id IS NOT NULL THEN
        http_status := 201; code := 'created';
        RETURN;
    END IF;
    -- The key decides first: same body replays, another body conflicts.
    IF p_idem_key IS NOT NULL THEN
        SELECT m.id, m.body_sha256, m.received_at INTO meeting_id, v_hash, received_at
          FROM mw.meeting_event m
         WHERE m.school_id = v_school_id AND m.idempotency_key = p_idem_key;
        IF FOUND THEN
            IF v_hash = p_body_sha256 THEN
                http_status := 200; code := 'replayed'; replayed := true;
            ELSE
                http_status := 409; code := 'idempotency_conflict';
                meeting_id := NULL; received_at := NULL;
            END IF;
            RETURN;
        END IF;
    END IF;
    SELECT m.id, m.received_at INTO meeting_id, received_at
      FROM mw.meeting_event m
     WHERE m.school_id = v_school_id AND m.body_sha256 = p_body_sha256;
    IF FOUND THEN
        http_status := 200; code := 'replayed'; replayed := true;
        RETURN;
    END IF;
    -- The row that conflicted is gone again (deleted meanwhile): nothing stored, retry.
    RAISE LOG 'mw.ingest_meeting school=% error=conflicting event not found', v_school_code;
    http_status := 503; code := 'database_unavailable'; received_at := NULL;
END
$$;

-- Many meeting events in one statement: what the collector sends for the events of one group
-- commit (services/collector/db_pool.c). The four arrays hold, position by position, the
-- arguments of mw.ingest_meeting; each row answers the event at position `ord` (1-based) with
-- mw.ingest_meeting's columns, the same answer that event would get on its own, in array order.
--
-- Why: per event, a statement of its own costs PostgreSQL its protocol messages, a portal, an
-- executor start and a plpgsql call; one INSERT for the whole group spends that once.
--
-- How: one INSERT ... SELECT ... ON CONFLICT DO NOTHING stores the events whose token is a
-- school's, whose school field is that school and whose key and body are new; array order is
-- insertion order, so of two events with the same key or body the first one is stored. Every
-- other event (a replay, a key reused for another body, a refused token) then goes through
-- mw.ingest_meeting, which sees the rows just inserted and answers it as it would alone. A
-- value the table refuses fails the whole statement: the collector then runs the group's
-- events one by one, so that only that event gets the error.
CREATE FUNCTION mw.ingest_meetings(p_token_hash bytea[], p_idem_key text[],
                                   p_body_sha256 bytea[], p_body text[])
RETURNS TABLE (ord int, http_status int, code text, meeting_id bigint, replayed boolean,
               received_at timestamptz)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_now     timestamptz := statement_timestamp();
    v_n       int := coalesce(cardinality(p_body), 0);
    v_created int[];
    v_ids     bigint[];
    v_k       int;
BEGIN
    IF coalesce(cardinality(p_token_hash), 0) <> v_n OR coalesce(cardinality(p_idem_key), 0) <> v_n
       OR coalesce(cardinality(p_body_sha256), 0) <> v_n THEN
        RAISE invalid_parameter_value USING MESSAGE = 'mw.ingest_meetings: arrays of unequal length';
    END IF;
    -- The token lookup is a LATERAL subquery behind OFFSET 0: one index probe per event, never
    -- a hash join over every token (the planner cannot know the arrays are short).
    WITH event AS MATERIALIZED (
        SELECT e.ord::int AS ord, e.key, e.sha, e.body::jsonb AS doc, a.school_id, a.school_code
          FROM unnest(p_token_hash, p_idem_key, p_body_sha256, p_body)
                   WITH ORDINALITY AS e(token_hash, key, sha, body, ord)
         CROSS JOIN LATERAL (SELECT s.id AS school_id, s.code AS school_code
                               FROM mw.api_token t
                               JOIN mw.school s ON s.id = t.school_id
                              WHERE t.token_hash = e.token_hash AND t.revoked_at IS NULL
                                AND t.role = 'school'
                             OFFSET 0) a
    ), stored AS (
        INSERT INTO mw.meeting_event AS m (school_id, academic_year, pair_code, type,
                                           meeting_date, feedback, note, received_at,
                                           idempotency_key, body_sha256)
        SELECT school_id, doc->>'academic_year', doc->>'pair', (doc->>'type')::mw.meeting_type,
               (doc->>'date')::date, (doc->>'feedback')::boolean, doc->>'note', v_now, key, sha
          FROM event
         WHERE doc->>'school' = school_code
         ORDER BY ord
        ON CONFLICT DO NOTHING
        RETURNING m.id, m.school_id, m.body_sha256
    )
    -- A stored row answers the first event with its school and body.
    SELECT array_agg(f.ord), array_agg(stored.id) INTO v_created, v_ids
      FROM stored
     CROSS JOIN LATERAL (SELECT min(event.ord) AS ord FROM event
                          WHERE event.school_id = stored.school_id
                            AND event.sha = stored.body_sha256) f;
    RETURN QUERY SELECT c.ord, 201, 'created'::text, c.id, false, v_now
                   FROM unnest(v_created, v_ids) AS c(ord, id);
    FOR v_k IN SELECT g FROM generate_series(1, v_n) g
               EXCEPT SELECT unnest(v_created) LOOP
        RETURN QUERY SELECT v_k, r.http_status, r.code, r.meeting_id, r.replayed, r.received_at
                       FROM mw.ingest_meeting(p_token_hash[v_k], p_idem_key[v_k],
                                              p_body_sha256[v_k], p_body[v_k]) r;
    END LOOP;
END
$$;
