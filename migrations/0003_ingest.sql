-- 0003_ingest: the functions the collector calls, one round trip per document.
--
-- The collector has already validated the body against contract v1 (REPORT_FORMAT.md) and
-- passes it as text with its SHA-256 and the SHA-256 of the bearer token. Each function
-- answers with an HTTP status and a code from the contract instead of raising: the collector
-- runs many documents in one transaction (group commit), so one document's failure must
-- neither abort that transaction nor leave anything of itself behind.
--
-- Answers: 201 created | 200 replayed | 401 unauthorized | 403 forbidden |
--          409 idempotency_conflict | 503 database_unavailable (deadlock, lock or
--          serialization failure: retry) | 500 internal_error (logged in the server log).

-- Who holds a token: no row when the token is unknown or revoked. For a school token the
-- school's district and region are filled in too, for a district token its region.
CREATE FUNCTION mw.authenticate(p_token_hash bytea)
RETURNS TABLE (token_id bigint, role text, region_id bigint, district_id bigint,
               school_id bigint, school_code text)
LANGUAGE sql STABLE
AS $$
    SELECT t.id, t.role,
           coalesce(t.region_id, d.region_id),
           coalesce(t.district_id, s.district_id),
           t.school_id, s.code::text
      FROM mw.api_token t
      LEFT JOIN mw.school s ON s.id = t.school_id
      LEFT JOIN mw.district d ON d.id = coalesce(t.district_id, s.district_id)
     WHERE t.token_hash = p_token_hash
       AND t.revoked_at IS NULL
$$;

-- The answer for a stored report: what replays return.
CREATE FUNCTION mw.report_answer(p_report_id bigint, p_status int, p_code text, p_replayed boolean)
RETURNS TABLE (http_status int, code text, report_id bigint, version int, replayed boolean,
               received_at timestamptz, deadline timestamptz, on_time boolean)
LANGUAGE sql STABLE
AS $$
    SELECT p_status, p_code, r.id, r.version, p_replayed, r.received_at, st.deadline,
           r.received_at <= st.deadline
      FROM mw.report r
      JOIN mw.school s ON s.id = r.school_id
      LEFT JOIN mw.stage st ON st.district_id = s.district_id
                           AND st.academic_year = r.academic_year
                           AND st.stage = r.stage
     WHERE r.id = p_report_id
$$;

-- Stores one term report. See the top of this file for the answers.
--   p_token_hash   SHA-256 of the bearer token
--   p_idem_key     the Idempotency-Key header, or NULL
--   p_body_sha256  SHA-256 of p_body's bytes
--   p_body         the body as received (valid JSON, valid against contract v1)
-- A report's idempotency key is unique per school. A body byte-identical to the current
-- version of the same school/year/stage replays it (whatever the key) instead of adding one.
CREATE FUNCTION mw.ingest_report(p_token_hash bytea, p_idem_key text, p_body_sha256 bytea,
                                 p_body text)
RETURNS TABLE (http_status int, code text, report_id bigint, version int, replayed boolean,
               received_at timestamptz, deadline timestamptz, on_time boolean)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_role        text;
    v_school_id   bigint;
    v_school_code text;
    v_district_id bigint;
    v_doc         jsonb;
    v_year        text;
    v_stage       mw.stage_name;
    v_id          bigint;
    v_version     int;
    v_received    timestamptz;
    v_deadline    timestamptz;
    v_found_id    bigint;
    v_found_hash  bytea;
    v_constraint  text;
BEGIN
    SELECT t.role, s.id, s.code, s.district_id
      INTO v_role, v_school_id, v_school_code, v_district_id
      FROM mw.api_token t
      LEFT JOIN mw.school s ON s.id = t.school_id
     WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 401, 'unauthorized', NULL::bigint, NULL::int, false,
                            NULL::timestamptz, NULL::timestamptz, NULL::boolean;
        RETURN;
    END IF;
    IF v_role <> 'school' THEN
        RETURN QUERY SELECT 403, 'forbidden', NULL::bigint, NULL::int, false,
                            NULL::timestamptz, NULL::timestamptz, NULL::boolean;
        RETURN;
    END IF;

    -- Everything from here on is one subtransaction: on an error it is rolled back alone.
    BEGIN
        v_doc := p_body::jsonb;
        IF v_doc->>'school' IS DISTINCT FROM v_school_code THEN
            RETURN QUERY SELECT 403, 'forbidden', NULL::bigint, NULL::int, false,
                                NULL::timestamptz, NULL::timestamptz, NULL::boolean;
            RETURN;
        END IF;
        v_year := v_doc->>'academic_year';
        v_stage := v_doc->>'stage';

        IF p_idem_key IS NOT NULL THEN
            SELECT r.id, r.body_sha256 INTO v_found_id, v_found_hash
              FROM mw.report r
             WHERE r.school_id = v_school_id AND r.idempotency_key = p_idem_key;
            IF FOUND THEN
                IF v_found_hash = p_body_sha256 THEN
                    RETURN QUERY SELECT * FROM mw.report_answer(v_found_id, 200, 'replayed', true);
                ELSE
                    RETURN QUERY SELECT 409, 'idempotency_conflict', NULL::bigint, NULL::int,
                                        false, NULL::timestamptz, NULL::timestamptz, NULL::boolean;
                END IF;
                RETURN;
            END IF;
        END IF;

        -- Take the next version: this row lock orders concurrent versions of one report.
        v_id := nextval('mw.report_id_seq');
        v_received := statement_timestamp();
        INSERT INTO mw.report_slot AS rs (school_id, academic_year, stage, current_version,
                                          current_report_id, first_received_at, last_received_at)
        VALUES (v_school_id, v_year, v_stage, 1, v_id, v_received, v_received)
        ON CONFLICT (school_id, academic_year, stage) DO UPDATE
           SET current_version = rs.current_version + 1,
               current_report_id = EXCLUDED.current_report_id,
               last_received_at = EXCLUDED.last_received_at
        RETURNING rs.current_version INTO v_version;

        -- A byte-identical copy of the current version (a resend, with or without a new key)
        -- replays it; an older version's content sent again is a correction back to it.
        -- Checked under the slot lock, so a concurrent identical push is seen once it commits.
        SELECT r.id INTO v_found_id
          FROM mw.report r
         WHERE r.school_id = v_school_id AND r.academic_year = v_year AND r.stage = v_stage
           AND r.version = v_version - 1 AND r.body_sha256 = p_body_sha256;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'MW001'; -- undoes the slot bump, then replays
        END IF;

        INSERT INTO mw.report (id, school_id, academic_year, stage, version, received_at,
                               idempotency_key, body_sha256, raw, comment)
        VALUES (v_id, v_school_id, v_year, v_stage, v_version, v_received,
                p_idem_key, p_body_sha256, p_body, v_doc->>'comment');

        INSERT INTO mw.report_staff (report_id, teachers_total, young_teachers,
                                     young_teachers_mentored)
        SELECT v_id, x.teachers_total, x.young_teachers, x.young_teachers_mentored
          FROM jsonb_to_record(v_doc->'staff')
               AS x(teachers_total int, young_teachers int, young_teachers_mentored int);

        INSERT INTO mw.report_participant (report_id, pid, role, ord, category, minor,
                                           consent_given, consent_date, consent_by, name,
                                           trained, trained_on)
        SELECT v_id, p.id, 'mentor'::mw.participant_role, p.ord, p.category, p.minor,
               (p.consent->>'given')::boolean, (p.consent->>'date')::date, (p.consent->>'by')::mw.consent_by,
               p.name, p.trained, p.trained_on
          FROM ROWS FROM (jsonb_to_recordset(v_doc->'mentors')
                          AS (id text, category mw.participant_category, minor boolean, consent jsonb, name text,
                              trained boolean, trained_on date))
               WITH ORDINALITY AS p(id, category, minor, consent, name, trained, trained_on, ord)
        UNION ALL
        SELECT v_id, p.id, 'mentee'::mw.participant_role, p.ord, p.category, p.minor,
               (p.consent->>'given')::boolean, (p.consent->>'date')::date, (p.consent->>'by')::mw.consent_by,
               p.name, NULL, NULL
          FROM ROWS FROM (jsonb_to_recordset(v_doc->'mentees')
                          AS (id text, category mw.participant_category, minor boolean, consent jsonb, name text))
               WITH ORDINALITY AS p(id, category, minor, consent, name, ord);

        INSERT INTO mw.report_pair (report_id, pair_no, pair_code, form, status, development_plan,
                                    order_number, order_date, mentors, mentees, meetings)
        SELECT v_id, p.ord, p.id, p.form, p.status, p.development_plan,
               p."order"->>'number', (p."order"->>'date')::date, p.mentors, p.mentees,
               coalesce(p.meetings, '{}')
          FROM ROWS FROM (jsonb_to_recordset(v_doc->'pairs')
                          AS (id text, form mw.pair_form, status mw.pair_status, development_plan boolean,
                              "order" jsonb, mentors text[], mentees text[],
                              meetings mw.pair_meeting[]))
               WITH ORDINALITY AS p(id, form, status, development_plan, "order", mentors,
                                    mentees, meetings, ord);

        IF jsonb_typeof(v_doc->'monitoring') = 'object' THEN
            INSERT INTO mw.report_monitoring (report_id, satisfaction_mentors,
                                              satisfaction_mentees, quality, growth_entry,
                                              growth_exit)
            SELECT v_id, x.satisfaction_mentors, x.satisfaction_mentees, x.quality,
                   x.growth_entry, x.growth_exit
              FROM jsonb_to_record(v_doc->'monitoring')
                   AS x(satisfaction_mentors numeric, satisfaction_mentees numeric,
                        quality numeric, growth_entry numeric, growth_exit numeric);
        END IF;

        INSERT INTO mw.report_roadmap_item (report_id, ord, number, title, due_from, due_to,
                                            responsible, status, done_on, evidence)
        SELECT v_id, x.ord, x.number, x.title, x.due_from, x.due_to, x.responsible, x.status,
               x.done_on, x.evidence
          FROM ROWS FROM (jsonb_to_recordset(v_doc->'roadmap')
                          AS (number text, title text, due_from date, due_to date,
                              responsible text, status mw.roadmap_status, done_on date, evidence text))
               WITH ORDINALITY AS x(number, title, due_from, due_to, responsible, status,
                                    done_on, evidence, ord);

        INSERT INTO mw.report_document (report_id, ord, type, title, url)
        SELECT v_id, x.ord, x.type, x.title, x.url
          FROM ROWS FROM (jsonb_to_recordset(v_doc->'documents')
                          AS (type mw.document_type, title text, url text))
               WITH ORDINALITY AS x(type, title, url, ord);

        IF jsonb_array_length(coalesce(v_doc->'practices', '[]')) > 0 THEN
            INSERT INTO mw.report_practice (report_id, ord, title, submitted_on, url)
            SELECT v_id, x.ord, x.title, x.submitted_on, x.url
              FROM ROWS FROM (jsonb_to_recordset(v_doc->'practices')
                              AS (title text, submitted_on date, url text))
                   WITH ORDINALITY AS x(title, submitted_on, url, ord);
        END IF;

        IF jsonb_array_length(coalesce(v_doc->'competitions', '[]')) > 0 THEN
            INSERT INTO mw.report_competition (report_id, ord, name, level, participants, winners)
            SELECT v_id, x.ord, x.name, x.level, x.participants, x.winners
              FROM ROWS FROM (jsonb_to_recordset(v_doc->'competitions')
                              AS (name text, level mw.competition_level, participants int, winners int))
                   WITH ORDINALITY AS x(name, level, participants, winners, ord);
        END IF;

        IF jsonb_array_length(coalesce(v_doc->'incentives', '[]')) > 0 THEN
            INSERT INTO mw.report_incentive (report_id, ord, kind, count)
            SELECT v_id, x.ord, x.kind, x.count
              FROM ROWS FROM (jsonb_to_recordset(v_doc->'incentives')
                              AS (kind mw.incentive_kind, count int))
                   WITH ORDINALITY AS x(kind, count, ord);
        END IF;

        SELECT st.deadline INTO v_deadline
          FROM mw.stage st
         WHERE st.district_id = v_district_id AND st.academic_year = v_year
           AND st.stage = v_stage;

        RETURN QUERY SELECT 201, 'created', v_id, v_version, false, v_received, v_deadline,
                            v_received <= v_deadline;
        RETURN;
    EXCEPTION
        WHEN SQLSTATE 'MW001' THEN
            RETURN QUERY SELECT * FROM mw.report_answer(v_found_id, 200, 'replayed', true);
            RETURN;
        WHEN unique_violation THEN
            GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
            IF v_constraint = 'report_idempotency_key_uq' THEN
                -- A concurrent push with the same key committed first: answer as it would.
                SELECT r.id, r.body_sha256 INTO v_found_id, v_found_hash
                  FROM mw.report r
                 WHERE r.school_id = v_school_id AND r.idempotency_key = p_idem_key;
                IF FOUND AND v_found_hash = p_body_sha256 THEN
                    RETURN QUERY SELECT * FROM mw.report_answer(v_found_id, 200, 'replayed', true);
                    RETURN;
                ELSIF FOUND THEN
                    RETURN QUERY SELECT 409, 'idempotency_conflict', NULL::bigint, NULL::int,
                                        false, NULL::timestamptz, NULL::timestamptz, NULL::boolean;
                    RETURN;
                END IF;
            END IF;
            RAISE LOG 'mw.ingest_report school=% error=% constraint=%',
                      v_school_code, SQLERRM, v_constraint;
            RETURN QUERY SELECT 500, 'internal_error', NULL::bigint, NULL::int, false,
                                NULL::timestamptz, NULL::timestamptz, NULL::boolean;
            RETURN;
        WHEN deadlock_detected OR serialization_failure OR lock_not_available THEN
            RAISE LOG 'mw.ingest_report school=% error=%', v_school_code, SQLERRM;
            RETURN QUERY SELECT 503, 'database_unavailable', NULL::bigint, NULL::int, false,
                                NULL::timestamptz, NULL::timestamptz, NULL::boolean;
            RETURN;
        WHEN OTHERS THEN
            RAISE LOG 'mw.ingest_report school=% sqlstate=% error=%',
                      v_school_code, SQLSTATE, SQLERRM;
            RETURN QUERY SELECT 500, 'internal_error', NULL::bigint, NULL::int, false,
                                NULL::timestamptz, NULL::timestamptz, NULL::boolean;
            RETURN;
    END;
END
$$;

-- Stores one meeting event; the same answers and idempotency rules as mw.ingest_report
-- (a byte-identical event of the same school replays the stored one, under any key or none).
CREATE FUNCTION mw.ingest_meeting(p_token_hash bytea, p_idem_key text, p_body_sha256 bytea,
                                  p_body text)
RETURNS TABLE (http_status int, code text, meeting_id bigint, replayed boolean,
               received_at timestamptz)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_role        text;
    v_school_id   bigint;
    v_school_code text;
    v_doc         jsonb;
    v_id          bigint;
    v_hash        bytea;
    v_received    timestamptz;
    v_constraint  text;
BEGIN
    SELECT t.role, s.id, s.code INTO v_role, v_school_id, v_school_code
      FROM mw.api_token t
      LEFT JOIN mw.school s ON s.id = t.school_id
     WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 401, 'unauthorized', NULL::bigint, false, NULL::timestamptz;
        RETURN;
    END IF;
    IF v_role <> 'school' THEN
        RETURN QUERY SELECT 403, 'forbidden', NULL::bigint, false, NULL::timestamptz;
        RETURN;
    END IF;

    BEGIN
        v_doc := p_body::jsonb;
        IF v_doc->>'school' IS DISTINCT FROM v_school_code THEN
            RETURN QUERY SELECT 403, 'forbidden', NULL::bigint, false, NULL::timestamptz;
            RETURN;
        END IF;

        IF p_idem_key IS NOT NULL THEN
            SELECT m.id, m.body_sha256, m.received_at INTO v_id, v_hash, v_received
              FROM mw.meeting_event m
             WHERE m.school_id = v_school_id AND m.idempotency_key = p_idem_key;
            IF FOUND THEN
                IF v_hash = p_body_sha256 THEN
                    RETURN QUERY SELECT 200, 'replayed', v_id, true, v_received;
                ELSE
                    RETURN QUERY SELECT 409, 'idempotency_conflict', NULL::bigint, false,
                                        NULL::timestamptz;
                END IF;
                RETURN;
            END IF;
        END IF;
        -- A meeting happens once: a byte-identical event (under any key or none) replays the
        -- stored one. Identical pushes are serialised until the first one commits.
        PERFORM pg_advisory_xact_lock(v_school_id::int,
            ('x' || encode(substring(p_body_sha256 FROM 1 FOR 4), 'hex'))::bit(32)::int);
        SELECT m.id, m.received_at INTO v_id, v_received
          FROM mw.meeting_event m
         WHERE m.school_id = v_school_id AND m.body_sha256 = p_body_sha256
         ORDER BY m.id
         LIMIT 1;
        IF FOUND THEN
            RETURN QUERY SELECT 200, 'replayed', v_id, true, v_received;
            RETURN;
        END IF;

        v_received := statement_timestamp();
        INSERT INTO mw.meeting_event (school_id, academic_year, pair_code, type, meeting_date,
                                      feedback, note, received_at, idempotency_key, body_sha256)
        VALUES (v_school_id, v_doc->>'academic_year', v_doc->>'pair', (v_doc->>'type')::mw.meeting_type,
                (v_doc->>'date')::date, (v_doc->>'feedback')::boolean, v_doc->>'note',
                v_received, p_idem_key, p_body_sha256)
        RETURNING id INTO v_id;
        RETURN QUERY SELECT 201, 'created', v_id, false, v_received;
        RETURN;
    EXCEPTION
        WHEN unique_violation THEN
            GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
            IF v_constraint = 'meeting_event_idempotency_key_uq' THEN
                SELECT m.id, m.body_sha256, m.received_at INTO v_id, v_hash, v_received
                  FROM mw.meeting_event m
                 WHERE m.school_id = v_school_id AND m.idempotency_key = p_idem_key;
                IF FOUND AND v_hash = p_body_sha256 THEN
                    RETURN QUERY SELECT 200, 'replayed', v_id, true, v_received;
                    RETURN;
                ELSIF FOUND THEN
                    RETURN QUERY SELECT 409, 'idempotency_conflict', NULL::bigint, false,
                                        NULL::timestamptz;
                    RETURN;
                END IF;
            END IF;
            RAISE LOG 'mw.ingest_meeting school=% error=% constraint=%',
                      v_school_code, SQLERRM, v_constraint;
            RETURN QUERY SELECT 500, 'internal_error', NULL::bigint, false, NULL::timestamptz;
            RETURN;
        WHEN deadlock_detected OR serialization_failure OR lock_not_available THEN
            RAISE LOG 'mw.ingest_meeting school=% error=%', v_school_code, SQLERRM;
            RETURN QUERY SELECT 503, 'database_unavailable', NULL::bigint, false,
                                NULL::timestamptz;
            RETURN;
        WHEN OTHERS THEN
            RAISE LOG 'mw.ingest_meeting school=% sqlstate=% error=%',
                      v_school_code, SQLSTATE, SQLERRM;
            RETURN QUERY SELECT 500, 'internal_error', NULL::bigint, false, NULL::timestamptz;
            RETURN;
    END;
END
$$;
