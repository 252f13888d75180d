-- 0006_kpi: the district indicators of DOMAIN.md ("District indicators (KPIs)"), defined once.
--
-- Layers, each used by the next:
--   mw.kpi_report                one summary row per report version, written at the ingest's
--                                commit by a deferred trigger (so the figures are current the
--                                moment a report lands; no batch job)
--   mw.kpi_report_compute(ids)  how a summary row is computed from the report's fact tables
--                                (the trigger and the benchmark generator both call it)
--   mw.kpi_school_period(y, s)   one row per school and period: its reporting status and the
--                                summary of its current report
--   mw.kpi_rows(level, ...)      the indicators of each school, district or region (or of
--                                everything), with every share and average
--   mw.kpi_overdue(...)          the overdue roadmap items behind roadmap_overdue
-- The collector's JSON API and exports call mw.kpi_rows and mw.kpi_overdue; the read-only
-- views of schema kpi (for BI tools) call them through the kpi_bi_* wrappers at the end.
--
-- The SQL functions here are written to be inlined by the planner (LANGUAGE sql, STABLE,
-- one SELECT, not STRICT, no SET): called with constants, `p IS NULL OR col = p` folds away
-- and the scope filters reach the indexes.

-- The region's target of young-teacher coverage (seed 004: at least 50 %).
ALTER TABLE mw.region
    ADD COLUMN young_coverage_target numeric(5, 2) NOT NULL DEFAULT 50
        CHECK (young_coverage_target BETWEEN 0 AND 100);
COMMENT ON COLUMN mw.region.young_coverage_target IS
    'KPI target: percent of young teachers covered by mentoring (regional setting)';

-- Every (academic year, stage) some district set a deadline for or some school reported:
-- the periods of the time series. Kept by triggers on mw.stage and mw.report.
CREATE TABLE mw.kpi_period (
    academic_year mw.academic_year NOT NULL,
    stage         mw.stage_name NOT NULL,
    PRIMARY KEY (academic_year, stage)
);
INSERT INTO mw.kpi_period (academic_year, stage)
SELECT academic_year, stage FROM mw.stage
UNION
SELECT academic_year, stage FROM mw.report_slot;

-- The calendar date of a moment for the KPIs (roadmap items are judged by the date of the
-- report). Moscow time: one zone for every district keeps the figures reproducible.
CREATE FUNCTION mw.kpi_local_date(p_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (p_at AT TIME ZONE 'Europe/Moscow')::date $$;

-- Where a roadmap item stands on the date of the report that lists it:
-- done_on_time | done_late | overdue | not_due | cancelled.
CREATE FUNCTION mw.kpi_roadmap_state(p_status mw.roadmap_status, p_due_to date, p_done_on date,
                                     p_as_of date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN p_status = 'cancelled' THEN 'cancelled'
        WHEN p_status = 'done' AND p_done_on <= p_due_to THEN 'done_on_time'
        WHEN p_status = 'done' THEN 'done_late'
        WHEN p_due_to < p_as_of THEN 'overdue'
        ELSE 'not_due'
    END
$$;

-- A share in percent with one decimal; NULL when there is nothing to divide by.
CREATE FUNCTION mw.kpi_share(p_part numeric, p_whole numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN p_whole > 0 THEN round(100 * p_part / p_whole, 1) END $$;

-- One row per report version: the counts every indicator is made of. Append-only like the
-- fact tables it summarises (a correction is a new report, hence a new row).
CREATE TABLE mw.kpi_report (
    report_id               bigint PRIMARY KEY,
    school_id               bigint NOT NULL,
    academic_year           mw.academic_year NOT NULL,
    stage                   mw.stage_name NOT NULL,
    as_of                   date NOT NULL,   -- the report's date (receipt, Moscow time)
    teachers_total          int NOT NULL,
    young_teachers          int NOT NULL,
    young_teachers_mentored int NOT NULL,
    mentors                 int NOT NULL,
    mentors_trained         int NOT NULL,
    mentees                 int NOT NULL,
    participants_with_consent int NOT NULL,  -- mentors and mentees with consent.given true
    mentors_teacher         int NOT NULL,
    mentors_student         int NOT NULL,
    mentors_parent          int NOT NULL,
    mentors_graduate        int NOT NULL,
    mentors_employer_staff  int NOT NULL,
    mentors_entrepreneur    int NOT NULL,
    mentors_veteran         int NOT NULL,
    mentees_student_gifted              int NOT NULL,
    mentees_student_low_results         int NOT NULL,
    mentees_student_disabilities        int NOT NULL,
    mentees_student_difficult_situation int NOT NULL,
    mentees_student_behaviour           int NOT NULL,
    mentees_student_disengaged          int NOT NULL,
    mentees_teacher_young_specialist    int NOT NULL,
    mentees_teacher_burnout             int NOT NULL,
    mentees_teacher_new_to_school       int NOT NULL,
    mentees_teacher_digital_skills      int NOT NULL,
    pairs                   int NOT NULL,
    pairs_teacher_teacher   int NOT NULL,
    pairs_teacher_student   int NOT NULL,
    pairs_student_student   int NOT NULL,
    pairs_employer_student  int NOT NULL,
    pairs_graduate_student  int NOT NULL,
    pairs_parent_student    int NOT NULL,
    pairs_formed            int NOT NULL,
    pairs_active            int NOT NULL,
    pairs_completed         int NOT NULL,
    pairs_terminated        int NOT NULL,
    pairs_with_plan         int NOT NULL,
    pairs_with_order        int NOT NULL,
    meetings                int NOT NULL,
    meetings_with_feedback  int NOT NULL,
    pairs_cycle_complete    int NOT NULL,    -- pairs that held every meeting type
    cycle_steps             int NOT NULL,    -- meeting types held, summed over pairs
    roadmap_items           int NOT NULL,
    roadmap_done_on_time    int NOT NULL,
    roadmap_done_late       int NOT NULL,
    roadmap_overdue         int NOT NULL,
    roadmap_not_due         int NOT NULL,
    roadmap_cancelled       int NOT NULL,
    has_monitoring          boolean NOT NULL,
    satisfaction_mentors    numeric,
    satisfaction_mentees    numeric,
    quality                 numeric,
    growth_entry            numeric,
    growth_exit             numeric,
    documents_listed        int NOT NULL,
    practices               int NOT NULL,
    competitions            int NOT NULL,
    competition_participants int NOT NULL,
    competition_winners     int NOT NULL,
    incentives              int NOT NULL
);

-- The summary rows of the reports whose ids are in p_ids (the trigger: one; the benchmark
-- generator: a chunk). Every fact table is looked up by report_id = ANY (p_ids): index scans
-- whatever the tables' size, so the trigger's cached generic plan stays right as data grows (a
-- range would be estimated at 0.5 % of each table, and a join does not carry it from table to
-- table).
CREATE FUNCTION mw.kpi_report_compute(p_ids bigint[]) RETURNS SETOF mw.kpi_report
LANGUAGE sql STABLE
AS $$
SELECT r.id, r.school_id, r.academic_year, r.stage, mw.kpi_local_date(r.received_at),
       coalesce(sf.teachers_total, 0), coalesce(sf.young_teachers, 0),
       coalesce(sf.young_teachers_mentored, 0),
       coalesce(pa.mentors, 0), coalesce(pa.mentors_trained, 0), coalesce(pa.mentees, 0),
       coalesce(pa.with_consent, 0),
       coalesce(pa.m_teacher, 0), coalesce(pa.m_student, 0), coalesce(pa.m_parent, 0),
       coalesce(pa.m_graduate, 0), coalesce(pa.m_employer_staff, 0),
       coalesce(pa.m_entrepreneur, 0), coalesce(pa.m_veteran, 0),
       coalesce(pa.e_student_gifted, 0), coalesce(pa.e_student_low_results, 0),
       coalesce(pa.e_student_disabilities, 0), coalesce(pa.e_student_difficult_situation, 0),
       coalesce(pa.e_student_behaviour, 0), coalesce(pa.e_student_disengaged, 0),
       coalesce(pa.e_teacher_young_specialist, 0), coalesce(pa.e_teacher_burnout, 0),
       coalesce(pa.e_teacher_new_to_school, 0), coalesce(pa.e_teacher_digital_skills, 0),
       coalesce(pr.pairs, 0),
       coalesce(pr.f_teacher_teacher, 0), coalesce(pr.f_teacher_student, 0),
       coalesce(pr.f_student_student, 0), coalesce(pr.f_employer_student, 0),
       coalesce(pr.f_graduate_student, 0), coalesce(pr.f_parent_student, 0),
       coalesce(pr.s_formed, 0), coalesce(pr.s_active, 0), coalesce(pr.s_completed, 0),
       coalesce(pr.s_terminated, 0), coalesce(pr.with_plan, 0), coalesce(pr.with_order, 0),
       coalesce(pr.meetings, 0), coalesce(pr.meetings_with_feedback, 0),
       coalesce(pr.cycle_complete, 0), coalesce(pr.cycle_steps, 0),
       coalesce(rm.items, 0), coalesce(rm.done_on_time, 0), coalesce(rm.done_late, 0),
       coalesce(rm.overdue, 0), coalesce(rm.not_due, 0), coalesce(rm.cancelled, 0),
       mo.report_id IS NOT NULL, mo.satisfaction_mentors, mo.satisfaction_mentees, mo.quality,
       mo.growth_entry, mo.growth_exit,
       coalesce(dc.documents, 0), coalesce(pc.practices, 0), coalesce(co.competitions, 0),
       coalesce(co.participants, 0), coalesce(co.winners, 0), coalesce(ic.incentives, 0)
  FROM mw.report r
  LEFT JOIN mw.report_staff sf ON sf.report_id = r.id AND sf.report_id = ANY (p_ids)
  LEFT JOIN mw.report_monitoring mo ON mo.report_id = r.id AND mo.report_id = ANY (p_ids)
  LEFT JOIN (
      SELECT p.report_id,
             count(*) FILTER (WHERE p.role = 'mentor') AS mentors,
             count(*) FILTER (WHERE p.role = 'mentor' AND p.trained) AS mentors_trained,
             count(*) FILTER (WHERE p.role = 'mentee') AS mentees,
             count(*) FILTER (WHERE p.consent_given) AS with_consent,
             count(*) FILTER (WHERE p.role = 'mentor' AND p.category = 'teacher') AS m_teacher,
             count(*) FILTER (WHERE p.role = 'mentor' AND p.category = 'student') AS m_student,
             count(*) FILTER (WHERE p.role = 'mentor' AND p.category = 'parent') AS m_parent,
             count(*) FILTER (WHERE p.role = 'mentor' AND p.category = 'graduate') AS m_graduate,
             count(*) FILTER (WHERE p.role = 'mentor' AND p.category = 'employer_staff')
                 AS m_employer_staff,
             count(*) FILTER (WHERE p.role = 'mentor' AND p.category = 'entrepreneur')
                 AS m_entrepreneur,
             count(*) FILTER (WHERE p.role = 'mentor' AND p.category = 'veteran') AS m_veteran,
             count(*) FILTER (WHERE p.role = 'mentee' AND p.category = 'student_gifted')
                 AS e_student_gifted,
             count(*) FILTER (WHERE p.role = 'mentee' AND p.category = 'student_low_results')
                 AS e_student_low_results,
             count(*) FILTER (WHERE p.role = 'mentee' AND p.category = 'student_disabilities')
                 AS e_student_disabilities,
             count(*) FILTER (WHERE p.role = 'mentee'
                              AND p.category = 'student_difficult_situation')
                 AS e_student_difficult_situation,
             count(*) FILTER (WHERE p.role = 'mentee' AND p.category = 'student_behaviour')
                 AS e_student_behaviour,
             count(*) FILTER (WHERE p.role = 'mentee' AND p.category = 'student_disengaged')
                 AS e_student_disengaged,
             count(*) FILTER (WHERE p.role = 'mentee' AND p.category = 'teacher_young_specialist')
                 AS e_teacher_young_specialist,
             count(*) FILTER (WHERE p.role = 'mentee' AND p.category = 'teacher_burnout')
                 AS e_teacher_burnout,
             count(*) FILTER (WHERE p.role = 'mentee' AND p.category = 'teacher_new_to_school')
                 AS e_teacher_new_to_school,
             count(*) FILTER (WHERE p.role = 'mentee' AND p.category = 'teacher_digital_skills')
                 AS e_teacher_digital_skills
        FROM mw.report_participant p
       WHERE p.report_id = ANY (p_ids)
       GROUP BY p.report_id) pa ON pa.report_id = r.id
  LEFT JOIN (
      SELECT p.report_id, count(*) AS pairs,
             count(*) FILTER (WHERE p.form = 'teacher_teacher') AS f_teacher_teacher,
             count(*) FILTER (WHERE p.form = 'teacher_student') AS f_teacher_student,
             count(*) FILTER (WHERE p.form = 'student_student') AS f_student_student,
             count(*) FILTER (WHERE p.form = 'employer_student') AS f_employer_student,
             count(*) FILTER (WHERE p.form = 'graduate_student') AS f_graduate_student,
             count(*) FILTER (WHERE p.form = 'parent_student') AS f_parent_student,
             count(*) FILTER (WHERE p.status = 'formed') AS s_formed,
             count(*) FILTER (WHERE p.status = 'active') AS s_active,
             count(*) FILTER (WHERE p.status = 'completed') AS s_completed,
             count(*) FILTER (WHERE p.status = 'terminated') AS s_terminated,
             count(*) FILTER (WHERE p.development_plan) AS with_plan,
             count(*) FILTER (WHERE p.order_number IS NOT NULL) AS with_order,
             sum(cardinality(p.meetings)) AS meetings,
             sum(pm.with_feedback) AS meetings_with_feedback,
             count(*) FILTER (WHERE pm.types = cardinality(enum_range(NULL::mw.meeting_type)))
                 AS cycle_complete,
             sum(pm.types) AS cycle_steps
        FROM mw.report_pair p
       CROSS JOIN LATERAL (
             SELECT count(*) FILTER (WHERE m.feedback) AS with_feedback,
                    count(DISTINCT m.type) AS types
               FROM unnest(p.meetings) AS m) pm
       WHERE p.report_id = ANY (p_ids)
       GROUP BY p.report_id) pr ON pr.report_id = r.id
  LEFT JOIN (
      SELECT i.report_id, count(*) AS items,
             count(*) FILTER (WHERE i.state = 'done_on_time') AS done_on_time,
             count(*) FILTER (WHERE i.state = 'done_late') AS done_late,
             count(*) FILTER (WHERE i.state = 'overdue') AS overdue,
             count(*) FILTER (WHERE i.state = 'not_due') AS not_due,
             count(*) FILTER (WHERE i.state = 'cancelled') AS cancelled
        FROM (SELECT ri.report_id,
                     mw.kpi_roadmap_state(ri.status, ri.due_to, ri.done_on,
                                          mw.kpi_local_date(r2.received_at)) AS state
                FROM mw.report_roadmap_item ri
                JOIN mw.report r2 ON r2.id = ri.report_id
               WHERE ri.report_id = ANY (p_ids) AND r2.id = ANY (p_ids)) i
       GROUP BY i.report_id) rm ON rm.report_id = r.id
  LEFT JOIN (
      SELECT d.report_id, count(*) AS documents
        FROM mw.report_document d WHERE d.report_id = ANY (p_ids)
       GROUP BY d.report_id) dc ON dc.report_id = r.id
  LEFT JOIN (
      SELECT x.report_id, count(*) AS practices
        FROM mw.report_practice x WHERE x.report_id = ANY (p_ids)
       GROUP BY x.report_id) pc ON pc.report_id = r.id
  LEFT JOIN (
      SELECT c.report_id, count(*) AS competitions, sum(c.participants) AS participants,
             sum(c.winners) AS winners
        FROM mw.report_competition c WHERE c.report_id = ANY (p_ids)
       GROUP BY c.report_id) co ON co.report_id = r.id
  LEFT JOIN (
      SELECT x.report_id, sum(x.count) AS incentives
        FROM mw.report_incentive x WHERE x.report_id = ANY (p_ids)
       GROUP BY x.report_id) ic ON ic.report_id = r.id
 WHERE r.id = ANY (p_ids)
$$;

-- Summaries of the reports already stored when this migration runs.
INSERT INTO mw.kpi_report
SELECT * FROM mw.kpi_report_compute(ARRAY(SELECT id FROM mw.report));

-- At the commit of the transaction that stored a report, after all its facts are in:
-- a document rolled back alone (the ingest's subtransaction) takes its event with it.
CREATE FUNCTION mw.kpi_report_summarise() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO mw.kpi_report SELECT * FROM mw.kpi_report_compute(ARRAY[NEW.id]);
    INSERT INTO mw.kpi_period (academic_year, stage) VALUES (NEW.academic_year, NEW.stage)
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
-- One plan for the session, never re-planned per report (planning the inlined query costs
-- ~5 ms; running it ~0.3 ms). That plan is often made while the tables are nearly empty, when
-- whole-table scans look cheapest; they would stay in it as the tables grow: no seq scans.
ALTER FUNCTION mw.kpi_report_summarise()
    SET plan_cache_mode = force_generic_plan SET enable_seqscan = off;
CREATE CONSTRAINT TRIGGER kpi_report_summary AFTER INSERT ON mw.report
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION mw.kpi_report_summarise();

CREATE FUNCTION mw.kpi_stage_period() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO mw.kpi_period (academic_year, stage) VALUES (NEW.academic_year, NEW.stage)
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER kpi_stage_period AFTER INSERT ON mw.stage
    FOR EACH ROW EXECUTE FUNCTION mw.kpi_stage_period();

-- The latest website check of each school: empty until the checker's results are in the
-- database (0007 replaces this view, keeping its columns).
CREATE VIEW mw.kpi_school_site AS
SELECT NULL::bigint AS school_id, NULL::boolean AS compliant
 WHERE false;

-- One row per school and period (p_year and p_stage, or every known period when p_year is
-- NULL): the school's reporting status and the summary of its current report (NULL counts
-- when it has not reported).
CREATE FUNCTION mw.kpi_school_period(p_year mw.academic_year, p_stage mw.stage_name)
RETURNS TABLE (
    school_id bigint, district_id bigint, region_id bigint,
    school_code text, school_name text, district_code text, district_name text,
    region_code text, region_name text,
    academic_year mw.academic_year, stage mw.stage_name,
    young_coverage_target numeric, deadline timestamptz,
    report_id bigint, version int, received_at timestamptz, last_received_at timestamptz,
    status text, young_below_target boolean, consent_below_100 boolean,
    site_checked boolean, site_compliant boolean,
    -- the columns of mw.kpi_report from as_of on (NULL when the school has not reported)
    as_of date,
    teachers_total int,
    young_teachers int,
    young_teachers_mentored int,
    mentors int,
    mentors_trained int,
    mentees int,
    participants_with_consent int,
    mentors_teacher int,
    mentors_student int,
    mentors_parent int,
    mentors_graduate int,
    mentors_employer_staff int,
    mentors_entrepreneur int,
    mentors_veteran int,
    mentees_student_gifted int,
    mentees_student_low_results int,
    mentees_student_disabilities int,
    mentees_student_difficult_situation int,
    mentees_student_behaviour int,
    mentees_student_disengaged int,
    mentees_teacher_young_specialist int,
    mentees_teacher_burnout int,
    mentees_teacher_new_to_school int,
    mentees_teacher_digital_skills int,
    pairs int,
    pairs_teacher_teacher int,
    pairs_teacher_student int,
    pairs_student_student int,
    pairs_employer_student int,
    pairs_graduate_student int,
    pairs_parent_student int,
    pairs_formed int,
    pairs_active int,
    pairs_completed int,
    pairs_terminated int,
    pairs_with_plan int,
    pairs_with_order int,
    meetings int,
    meetings_with_feedback int,
    pairs_cycle_complete int,
    cycle_steps int,
    roadmap_items int,
    roadmap_done_on_time int,
    roadmap_done_late int,
    roadmap_overdue int,
    roadmap_not_due int,
    roadmap_cancelled int,
    has_monitoring boolean,
    satisfaction_mentors numeric,
    satisfaction_mentees numeric,
    quality numeric,
    growth_entry numeric,
    growth_exit numeric,
    documents_listed int,
    practices int,
    competitions int,
    competition_participants int,
    competition_winners int,
    incentives int)
LANGUAGE sql STABLE
AS $$
SELECT s.id, s.district_id, d.region_id,
       s.code::text, s.name, d.code::text, d.name, rg.code::text, rg.name,
       p.academic_year, p.stage,
       rg.young_coverage_target, st.deadline,
       c.current_report_id, c.current_version, c.first_received_at, c.last_received_at,
       CASE WHEN c.slot_school IS NULL AND (st.deadline IS NULL OR st.deadline > now())
                THEN 'pending'
            WHEN c.slot_school IS NULL THEN 'missing'
            WHEN st.deadline IS NULL THEN 'no_deadline'
            WHEN c.first_received_at <= st.deadline THEN 'on_time'
            ELSE 'late' END,
       c.young_teachers > 0
           AND c.young_teachers_mentored * 100 < rg.young_coverage_target * c.young_teachers,
       c.participants_with_consent < c.mentors + c.mentees,
       site.school_id IS NOT NULL, site.compliant,
       c.as_of, c.teachers_total, c.young_teachers, c.young_teachers_mentored, c.mentors,
       c.mentors_trained, c.mentees, c.participants_with_consent, c.mentors_teacher,
       c.mentors_student, c.mentors_parent, c.mentors_graduate, c.mentors_employer_staff,
       c.mentors_entrepreneur, c.mentors_veteran, c.mentees_student_gifted,
       c.mentees_student_low_results, c.mentees_student_disabilities,
       c.mentees_student_difficult_situation, c.mentees_student_behaviour,
       c.mentees_student_disengaged, c.mentees_teacher_young_specialist,
       c.mentees_teacher_burnout, c.mentees_teacher_new_to_school,
       c.mentees_teacher_digital_skills, c.pairs, c.pairs_teacher_teacher,
       c.pairs_teacher_student, c.pairs_student_student, c.pairs_employer_student,
       c.pairs_graduate_student, c.pairs_parent_student, c.pairs_formed, c.pairs_active,
       c.pairs_completed, c.pairs_terminated, c.pairs_with_plan, c.pairs_with_order,
       c.meetings, c.meetings_with_feedback, c.pairs_cycle_complete, c.cycle_steps,
       c.roadmap_items, c.roadmap_done_on_time, c.roadmap_done_late, c.roadmap_overdue,
       c.roadmap_not_due, c.roadmap_cancelled, c.has_monitoring, c.satisfaction_mentors,
       c.satisfaction_mentees, c.quality, c.growth_entry, c.growth_exit, c.documents_listed,
       c.practices, c.competitions, c.competition_participants, c.competition_winners,
       c.incentives
  FROM mw.school s
  JOIN mw.district d ON d.id = s.district_id
  JOIN mw.region rg ON rg.id = d.region_id
 CROSS JOIN (SELECT kp.academic_year, kp.stage FROM mw.kpi_period kp WHERE p_year IS NULL
             UNION ALL
             SELECT p_year, p_stage WHERE p_year IS NOT NULL) p
  LEFT JOIN mw.stage st ON st.district_id = s.district_id
                       AND st.academic_year = p.academic_year AND st.stage = p.stage
  -- A probe of the slot's and the summary's primary keys per school and period, whatever
  -- the planner estimates (LIMIT keeps the subquery from being flattened into a hash join
  -- over every slot of the country).
  LEFT JOIN LATERAL (
      SELECT rs.school_id AS slot_school, rs.current_report_id, rs.current_version,
             rs.first_received_at, rs.last_received_at, kr.*
        FROM mw.report_slot rs
        LEFT JOIN mw.kpi_report kr ON kr.report_id = rs.current_report_id
       WHERE rs.school_id = s.id AND rs.academic_year = p.academic_year
         AND rs.stage = p.stage
       LIMIT 1) c ON true
  LEFT JOIN mw.kpi_school_site site ON site.school_id = s.id
$$;

-- One unit's indicators: what mw.kpi_rows returns, the JSON API's Kpi object (a `a__b`
-- column is member b of object a) and a row of the exports and the kpi views.
CREATE TYPE mw.kpi_row AS (
    level text, region text, region_name text, district text, district_name text,
    school text, school_name text, academic_year text, stage mw.stage_name,
    status text, version int, received_at timestamptz, last_received_at timestamptz,
    deadline timestamptz,
    schools_expected int, reports_received int, reports_on_time int, reports_late int,
    reports_missing int, reports_pending int, reports_no_deadline int,
    reporting_rate numeric, on_time_rate numeric,
    teachers_total int, young_teachers int, young_teachers_mentored int,
    young_coverage numeric, young_coverage_target numeric, young_coverage_met boolean,
    schools_below_target int,
    mentors int, mentors_trained int, mentors_trained_share numeric, mentees int,
    mentors_by_category__teacher int, mentors_by_category__student int,
    mentors_by_category__parent int, mentors_by_category__graduate int,
    mentors_by_category__employer_staff int, mentors_by_category__entrepreneur int,
    mentors_by_category__veteran int,
    mentees_by_category__student_gifted int, mentees_by_category__student_low_results int,
    mentees_by_category__student_disabilities int,
    mentees_by_category__student_difficult_situation int,
    mentees_by_category__student_behaviour int, mentees_by_category__student_disengaged int,
    mentees_by_category__teacher_young_specialist int, mentees_by_category__teacher_burnout int,
    mentees_by_category__teacher_new_to_school int,
    mentees_by_category__teacher_digital_skills int,
    participants int, participants_with_consent int, consent_share numeric,
    schools_consent_below_100 int,
    pairs int,
    pairs_by_form__teacher_teacher int, pairs_by_form__teacher_student int,
    pairs_by_form__student_student int, pairs_by_form__employer_student int,
    pairs_by_form__graduate_student int, pairs_by_form__parent_student int,
    pairs_by_status__formed int, pairs_by_status__active int, pairs_by_status__completed int,
    pairs_by_status__terminated int,
    pairs_with_plan int, pairs_with_order int,
    meetings int, meetings_with_feedback int, feedback_share numeric,
    pairs_cycle_complete int, cycle_completion numeric, cycle_progress numeric,
    roadmap_items int, roadmap_done_on_time int, roadmap_done_late int, roadmap_overdue int,
    roadmap_not_due int, roadmap_cancelled int, roadmap_deviation numeric,
    reports_with_monitoring int, satisfaction_mentors numeric, satisfaction_mentees numeric,
    quality numeric, growth_entry numeric, growth_exit numeric, growth numeric,
    documents_listed int, practices int, competitions int, competition_participants int,
    competition_winners int, incentives int,
    sites_checked int, sites_compliant int, site_compliance numeric
);

-- The indicators of every unit of p_level ('school', 'district', 'region' or 'all') in the
-- scope (p_region, p_district, p_school: NULL for no limit) for one period, or for every
-- period in which the scope had a deadline or a report when p_year is NULL.
-- Counts are NULL when no school of the unit has reported; shares are percent.
CREATE FUNCTION mw.kpi_rows(p_level text, p_year mw.academic_year, p_stage mw.stage_name,
                            p_region bigint, p_district bigint, p_school bigint)
RETURNS SETOF mw.kpi_row
LANGUAGE sql STABLE
AS $$
SELECT p_level, g.region_code, g.region_name, g.district_code, g.district_name, g.school_code,
       g.school_name,
       g.academic_year::text, g.stage, g.status, g.version, g.received_at, g.last_received_at,
       g.deadline,
       g.expected, g.received, g.on_time, g.late, g.missing, g.pending, g.no_deadline,
       mw.kpi_share(g.received, g.expected), mw.kpi_share(g.on_time, g.expected),
       g.teachers_total, g.young_teachers, g.young_mentored,
       mw.kpi_share(g.young_mentored, g.young_teachers), g.target,
       CASE WHEN g.young_teachers > 0 THEN g.young_mentored * 100 >= g.target * g.young_teachers END,
       g.below_target,
       g.mentors, g.mentors_trained, mw.kpi_share(g.mentors_trained, g.mentors), g.mentees,
       g.mentors_teacher, g.mentors_student, g.mentors_parent, g.mentors_graduate,
       g.mentors_employer_staff, g.mentors_entrepreneur, g.mentors_veteran,
       g.mentees_student_gifted, g.mentees_student_low_results, g.mentees_student_disabilities,
       g.mentees_student_difficult_situation, g.mentees_student_behaviour,
       g.mentees_student_disengaged, g.mentees_teacher_young_specialist,
       g.mentees_teacher_burnout, g.mentees_teacher_new_to_school,
       g.mentees_teacher_digital_skills,
       g.mentors + g.mentees, g.with_consent, mw.kpi_share(g.with_consent, g.mentors + g.mentees),
       g.consent_below,
       g.pairs,
       g.pairs_teacher_teacher, g.pairs_teacher_student, g.pairs_student_student,
       g.pairs_employer_student, g.pairs_graduate_student, g.pairs_parent_student,
       g.pairs_formed, g.pairs_active, g.pairs_completed, g.pairs_terminated,
       g.pairs_with_plan, g.pairs_with_order,
       g.meetings, g.meetings_with_feedback, mw.kpi_share(g.meetings_with_feedback, g.meetings),
       g.cycle_complete, mw.kpi_share(g.cycle_complete, g.pairs),
       mw.kpi_share(g.cycle_steps, g.pairs * cardinality(enum_range(NULL::mw.meeting_type))),
       g.roadmap_items, g.done_on_time, g.done_late, g.overdue, g.not_due, g.cancelled,
       mw.kpi_share(g.done_late + g.overdue, g.done_on_time + g.done_late + g.overdue),
       g.with_monitoring, round(g.satisfaction_mentors, 1), round(g.satisfaction_mentees, 1),
       round(g.quality, 1), round(g.growth_entry, 1), round(g.growth_exit, 1), round(g.growth, 1),
       g.documents_listed, g.practices, g.competitions, g.competition_participants,
       g.competition_winners, g.incentives,
       g.sites_checked, g.sites_compliant, mw.kpi_share(g.sites_compliant, g.sites_checked)
  FROM (
      SELECT CASE WHEN p_level IN ('region', 'district', 'school') THEN x.region_id END
                 AS region_id,
             CASE WHEN p_level IN ('district', 'school') THEN x.district_id END AS district_id,
             CASE WHEN p_level = 'school' THEN x.school_id END AS school_id,
             CASE WHEN p_level IN ('region', 'district', 'school') THEN x.region_code END
                 AS region_code,
             CASE WHEN p_level IN ('region', 'district', 'school') THEN x.region_name END
                 AS region_name,
             CASE WHEN p_level IN ('district', 'school') THEN x.district_code END
                 AS district_code,
             CASE WHEN p_level IN ('district', 'school') THEN x.district_name END
                 AS district_name,
             CASE WHEN p_level = 'school' THEN x.school_code END AS school_code,
             CASE WHEN p_level = 'school' THEN x.school_name END AS school_name,
             x.academic_year, x.stage,
             CASE WHEN p_level = 'school' THEN max(x.status) END AS status,
             CASE WHEN p_level = 'school' THEN max(x.version) END AS version,
             CASE WHEN p_level = 'school' THEN max(x.received_at) END AS received_at,
             CASE WHEN p_level = 'school' THEN max(x.last_received_at) END AS last_received_at,
             CASE WHEN p_level = 'school' THEN max(x.deadline) END AS deadline,
             count(*)::int AS expected,
             count(x.report_id)::int AS received,
             count(*) FILTER (WHERE x.status = 'on_time')::int AS on_time,
             count(*) FILTER (WHERE x.status = 'late')::int AS late,
             count(*) FILTER (WHERE x.status = 'missing')::int AS missing,
             count(*) FILTER (WHERE x.status = 'pending')::int AS pending,
             count(*) FILTER (WHERE x.status = 'no_deadline')::int AS no_deadline,
             CASE WHEN min(x.young_coverage_target) = max(x.young_coverage_target)
                  THEN min(x.young_coverage_target) END AS target,
             count(*) FILTER (WHERE x.young_below_target)::int AS below_target,
             count(*) FILTER (WHERE x.consent_below_100)::int AS consent_below,
             count(*) FILTER (WHERE x.site_checked)::int AS sites_checked,
             count(*) FILTER (WHERE x.site_compliant)::int AS sites_compliant,
             sum(x.teachers_total)::int AS teachers_total,
             sum(x.young_teachers)::int AS young_teachers,
             sum(x.young_teachers_mentored)::int AS young_mentored,
             sum(x.mentors)::int AS mentors,
             sum(x.mentors_trained)::int AS mentors_trained,
             sum(x.mentees)::int AS mentees,
             sum(x.participants_with_consent)::int AS with_consent,
             sum(x.mentors_teacher)::int AS mentors_teacher,
             sum(x.mentors_student)::int AS mentors_student,
             sum(x.mentors_parent)::int AS mentors_parent,
             sum(x.mentors_graduate)::int AS mentors_graduate,
             sum(x.mentors_employer_staff)::int AS mentors_employer_staff,
             sum(x.mentors_entrepreneur)::int AS mentors_entrepreneur,
             sum(x.mentors_veteran)::int AS mentors_veteran,
             sum(x.mentees_student_gifted)::int AS mentees_student_gifted,
             sum(x.mentees_student_low_results)::int AS mentees_student_low_results,
             sum(x.mentees_student_disabilities)::int AS mentees_student_disabilities,
             sum(x.mentees_student_difficult_situation)::int
                 AS mentees_student_difficult_situation,
             sum(x.mentees_student_behaviour)::int AS mentees_student_behaviour,
             sum(x.mentees_student_disengaged)::int AS mentees_student_disengaged,
             sum(x.mentees_teacher_young_specialist)::int AS mentees_teacher_young_specialist,
             sum(x.mentees_teacher_burnout)::int AS mentees_teacher_burnout,
             sum(x.mentees_teacher_new_to_school)::int AS mentees_teacher_new_to_school,
             sum(x.mentees_teacher_digital_skills)::int AS mentees_teacher_digital_skills,
             sum(x.pairs)::int AS pairs,
             sum(x.pairs_teacher_teacher)::int AS pairs_teacher_teacher,
             sum(x.pairs_teacher_student)::int AS pairs_teacher_student,
             sum(x.pairs_student_student)::int AS pairs_student_student,
             sum(x.pairs_employer_student)::int AS pairs_employer_student,
             sum(x.pairs_graduate_student)::int AS pairs_graduate_student,
             sum(x.pairs_parent_student)::int AS pairs_parent_student,
             sum(x.pairs_formed)::int AS pairs_formed,
             sum(x.pairs_active)::int AS pairs_active,
             sum(x.pairs_completed)::int AS pairs_completed,
             sum(x.pairs_terminated)::int AS pairs_terminated,
             sum(x.pairs_with_plan)::int AS pairs_with_plan,
             sum(x.pairs_with_order)::int AS pairs_with_order,
             sum(x.meetings)::int AS meetings,
             sum(x.meetings_with_feedback)::int AS meetings_with_feedback,
             sum(x.pairs_cycle_complete)::int AS cycle_complete,
             sum(x.cycle_steps)::int AS cycle_steps,
             sum(x.roadmap_items)::int AS roadmap_items,
             sum(x.roadmap_done_on_time)::int AS done_on_time,
             sum(x.roadmap_done_late)::int AS done_late,
             sum(x.roadmap_overdue)::int AS overdue,
             sum(x.roadmap_not_due)::int AS not_due,
             sum(x.roadmap_cancelled)::int AS cancelled,
             (count(*) FILTER (WHERE x.has_monitoring))::int AS with_monitoring,
             avg(x.satisfaction_mentors) AS satisfaction_mentors,
             avg(x.satisfaction_mentees) AS satisfaction_mentees,
             avg(x.quality) AS quality,
             avg(x.growth_entry) AS growth_entry,
             avg(x.growth_exit) AS growth_exit,
             avg(x.growth_exit - x.growth_entry) AS growth,
             sum(x.documents_listed)::int AS documents_listed,
             sum(x.practices)::int AS practices,
             sum(x.competitions)::int AS competitions,
             sum(x.competition_participants)::int AS competition_participants,
             sum(x.competition_winners)::int AS competition_winners,
             sum(x.incentives)::int AS incentives
        FROM mw.kpi_school_period(p_year, p_stage) x
       WHERE (p_region IS NULL OR x.region_id = p_region)
         AND (p_district IS NULL OR x.district_id = p_district)
         AND (p_school IS NULL OR x.school_id = p_school)
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, x.academic_year, x.stage
      HAVING p_year IS NOT NULL OR count(x.report_id) > 0 OR count(x.deadline) > 0) g
$$;

-- The roadmap items counted in roadmap_overdue, for the current reports of one period.
CREATE TYPE mw.kpi_overdue_item AS (
    school text, school_name text, district text, district_name text, region text,
    academic_year text, stage mw.stage_name,
    number text, title text, due_from date, due_to date, status mw.roadmap_status,
    responsible text, as_of date, days_overdue int
);
CREATE FUNCTION mw.kpi_overdue(p_year mw.academic_year, p_stage mw.stage_name,
                               p_region bigint, p_district bigint, p_school bigint)
RETURNS SETOF mw.kpi_overdue_item
LANGUAGE sql STABLE
AS $$
SELECT s.code::text, s.name, d.code::text, d.name, rg.code::text,
       rs.academic_year::text, rs.stage,
       ri.number, ri.title, ri.due_from, ri.due_to, ri.status, ri.responsible, kr.as_of,
       kr.as_of - ri.due_to
  FROM mw.school s
  JOIN mw.district d ON d.id = s.district_id
  JOIN mw.region rg ON rg.id = d.region_id
  JOIN mw.report_slot rs ON rs.school_id = s.id
                        AND (p_year IS NULL OR rs.academic_year = p_year)
                        AND (p_stage IS NULL OR rs.stage = p_stage)
  JOIN mw.kpi_report kr ON kr.report_id = rs.current_report_id AND kr.roadmap_overdue > 0
  JOIN mw.report_roadmap_item ri ON ri.report_id = rs.current_report_id
 WHERE mw.kpi_roadmap_state(ri.status, ri.due_to, ri.done_on, kr.as_of) = 'overdue'
   AND (p_region IS NULL OR d.region_id = p_region)
   AND (p_district IS NULL OR s.district_id = p_district)
   AND (p_school IS NULL OR s.id = p_school)
$$;

-- The reporting schools counted in schools_consent_below_100.
CREATE TYPE mw.kpi_consent_row AS (
    school text, school_name text, district text, district_name text, region text,
    academic_year text, stage mw.stage_name,
    participants int, participants_with_consent int, participants_without_consent int,
    consent_share numeric
);
CREATE FUNCTION mw.kpi_consent(p_year mw.academic_year, p_stage mw.stage_name,
                               p_region bigint, p_district bigint, p_school bigint)
RETURNS SETOF mw.kpi_consent_row
LANGUAGE sql STABLE
AS $$
SELECT x.school_code, x.school_name, x.district_code, x.district_name, x.region_code,
       x.academic_year::text, x.stage,
       x.mentors + x.mentees, x.participants_with_consent,
       x.mentors + x.mentees - x.participants_with_consent,
       mw.kpi_share(x.participants_with_consent, x.mentors + x.mentees)
  FROM mw.kpi_school_period(p_year, p_stage) x
 WHERE x.consent_below_100
   AND (p_region IS NULL OR x.region_id = p_region)
   AND (p_district IS NULL OR x.district_id = p_district)
   AND (p_school IS NULL OR x.school_id = p_school)
$$;

-- What people read as the name of each column of the KPI tables: the headers of the CSV and
-- XLSX exports and the comments of the kpi views.
CREATE TABLE mw.kpi_label (
    name  text PRIMARY KEY,
    label text NOT NULL
);
INSERT INTO mw.kpi_label (name, label) VALUES
    ('level', 'Уровень'),
    ('region', 'Код региона'),
    ('region_name', 'Регион'),
    ('district', 'Код района'),
    ('district_name', 'Район'),
    ('school', 'Код школы'),
    ('school_name', 'Школа'),
    ('academic_year', 'Учебный год'),
    ('stage', 'Этап'),
    ('status', 'Статус отчёта'),
    ('version', 'Версия отчёта'),
    ('received_at', 'Получен'),
    ('last_received_at', 'Последнее исправление'),
    ('deadline', 'Срок сдачи'),
    ('schools_expected', 'Школ должны отчитаться'),
    ('reports_received', 'Отчётов получено'),
    ('reports_on_time', 'Вовремя'),
    ('reports_late', 'С опозданием'),
    ('reports_missing', 'Не сдано (срок прошёл)'),
    ('reports_pending', 'Ожидается'),
    ('reports_no_deadline', 'Получено, срок не установлен'),
    ('reporting_rate', 'Доля сдавших отчёт, %'),
    ('on_time_rate', 'Доля сдавших вовремя, %'),
    ('teachers_total', 'Педагогов всего'),
    ('young_teachers', 'Молодых педагогов'),
    ('young_teachers_mentored', 'Молодых педагогов с наставником'),
    ('young_coverage', 'Охват молодых педагогов, %'),
    ('young_coverage_target', 'Целевой охват, %'),
    ('young_coverage_met', 'Целевой охват достигнут'),
    ('schools_below_target', 'Школ ниже целевого охвата'),
    ('mentors', 'Наставников'),
    ('mentors_trained', 'Наставников обучено'),
    ('mentors_trained_share', 'Доля обученных наставников, %'),
    ('mentees', 'Наставляемых'),
    ('mentors_by_category.teacher', 'Наставники: педагоги'),
    ('mentors_by_category.student', 'Наставники: обучающиеся'),
    ('mentors_by_category.parent', 'Наставники: родители'),
    ('mentors_by_category.graduate', 'Наставники: выпускники'),
    ('mentors_by_category.employer_staff', 'Наставники: сотрудники предприятий'),
    ('mentors_by_category.entrepreneur', 'Наставники: предприниматели и общественные деятели'),
    ('mentors_by_category.veteran', 'Наставники: ветераны педагогического труда'),
    ('mentees_by_category.student_gifted', 'Наставляемые: одарённые обучающиеся'),
    ('mentees_by_category.student_low_results', 'Наставляемые: с низкими результатами'),
    ('mentees_by_category.student_disabilities', 'Наставляемые: обучающиеся с ОВЗ'),
    ('mentees_by_category.student_difficult_situation',
        'Наставляемые: в трудной жизненной ситуации'),
    ('mentees_by_category.student_behaviour', 'Наставляемые: с девиантным поведением'),
    ('mentees_by_category.student_disengaged', 'Наставляемые: с низкой мотивацией'),
    ('mentees_by_category.teacher_young_specialist', 'Наставляемые: молодые специалисты'),
    ('mentees_by_category.teacher_burnout', 'Наставляемые: педагоги с выгоранием'),
    ('mentees_by_category.teacher_new_to_school', 'Наставляемые: новые педагоги школы'),
    ('mentees_by_category.teacher_digital_skills', 'Наставляемые: педагоги (цифровые навыки)'),
    ('participants', 'Участников всего'),
    ('participants_with_consent', 'Участников с согласием'),
    ('participants_without_consent', 'Участников без согласия'),
    ('consent_share', 'Доля участников с согласием, %'),
    ('schools_consent_below_100', 'Школ с согласиями менее 100 %'),
    ('pairs', 'Пар (групп)'),
    ('pairs_by_form.teacher_teacher', 'Пары: учитель – учитель'),
    ('pairs_by_form.teacher_student', 'Пары: учитель – ученик'),
    ('pairs_by_form.student_student', 'Пары: ученик – ученик'),
    ('pairs_by_form.employer_student', 'Пары: работодатель – ученик'),
    ('pairs_by_form.graduate_student', 'Пары: выпускник – ученик'),
    ('pairs_by_form.parent_student', 'Пары: родитель – ученик'),
    ('pairs_by_status.formed', 'Пары: сформированы'),
    ('pairs_by_status.active', 'Пары: работают'),
    ('pairs_by_status.completed', 'Пары: завершили'),
    ('pairs_by_status.terminated', 'Пары: прекращены'),
    ('pairs_with_plan', 'Пар с планом развития'),
    ('pairs_with_order', 'Пар, закреплённых приказом'),
    ('meetings', 'Встреч'),
    ('meetings_with_feedback', 'Встреч с анкетой обратной связи'),
    ('feedback_share', 'Доля встреч с обратной связью, %'),
    ('pairs_cycle_complete', 'Пар, прошедших полный цикл встреч'),
    ('cycle_completion', 'Завершённость цикла встреч, %'),
    ('cycle_progress', 'Прохождение цикла встреч, %'),
    ('roadmap_items', 'Пунктов дорожной карты'),
    ('roadmap_done_on_time', 'Выполнено в срок'),
    ('roadmap_done_late', 'Выполнено с опозданием'),
    ('roadmap_overdue', 'Просрочено'),
    ('roadmap_not_due', 'Срок не наступил'),
    ('roadmap_cancelled', 'Отменено'),
    ('roadmap_deviation', 'Отклонение от плана, %'),
    ('reports_with_monitoring', 'Отчётов с мониторингом'),
    ('satisfaction_mentors', 'Удовлетворённость наставников, %'),
    ('satisfaction_mentees', 'Удовлетворённость наставляемых, %'),
    ('quality', 'Качество реализации, %'),
    ('growth_entry', 'Показатель на входе, %'),
    ('growth_exit', 'Показатель на выходе, %'),
    ('growth', 'Рост (выход − вход), п. п.'),
    ('documents_listed', 'Документов опубликовано (по отчёту)'),
    ('practices', 'Лучших практик направлено'),
    ('competitions', 'Участий в конкурсах'),
    ('competition_participants', 'Участников конкурсов'),
    ('competition_winners', 'Победителей конкурсов'),
    ('incentives', 'Поощрений'),
    ('sites_checked', 'Сайтов проверено'),
    ('sites_compliant', 'Сайтов без замечаний'),
    ('site_compliance', 'Доля сайтов без замечаний, %'),
    ('number', 'Пункт'),
    ('title', 'Мероприятие'),
    ('due_from', 'Начало срока'),
    ('due_to', 'Срок'),
    ('responsible', 'Ответственный'),
    ('as_of', 'Дата отчёта'),
    ('days_overdue', 'Дней просрочки'),
    ('document', 'Документ'),
    ('schools_checked', 'Школ проверено'),
    ('schools_missing', 'Школ без документа'),
    ('schools_broken', 'Школ с неработающей ссылкой'),
    ('missing_share', 'Доля школ без документа, %'),
    -- coded values, as "column:value"
    ('level:all', 'все'),
    ('level:region', 'регион'),
    ('level:district', 'район'),
    ('level:school', 'школа'),
    ('stage:entry', 'входной'),
    ('stage:intermediate', 'промежуточный'),
    ('stage:final', 'итоговый'),
    ('status:on_time', 'вовремя'),
    ('status:late', 'с опозданием'),
    ('status:missing', 'не сдан'),
    ('status:pending', 'ожидается'),
    ('status:no_deadline', 'срок не установлен'),
    ('status:planned', 'запланировано'),
    ('status:in_progress', 'выполняется');

-- ---- Schema kpi: read-only views for BI tools (DataLens, Grafana, Superset) ----------------
-- Every period, every unit; filter on academic_year, stage, region, district, school. The
-- views read through SECURITY DEFINER wrappers, so their readers need no right on schema mw
-- (which holds names and other personal data) and get none.
CREATE SCHEMA kpi;
COMMENT ON SCHEMA kpi IS
    'mentorwatch district indicators for BI tools: read-only views without personal data';

CREATE FUNCTION mw.kpi_bi_rows(p_level text) RETURNS SETOF mw.kpi_row
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM mw.kpi_rows(p_level, NULL, NULL, NULL, NULL, NULL) $$;

CREATE FUNCTION mw.kpi_bi_overdue()
RETURNS TABLE (school text, school_name text, district text, district_name text, region text,
               academic_year text, stage mw.stage_name, number text, title text,
               due_from date, due_to date, status mw.roadmap_status, as_of date,
               days_overdue int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT o.school, o.school_name, o.district, o.district_name, o.region, o.academic_year,
           o.stage, o.number, o.title, o.due_from, o.due_to, o.status, o.as_of, o.days_overdue
      FROM mw.kpi_overdue(NULL, NULL, NULL, NULL, NULL) o
$$;

CREATE FUNCTION mw.kpi_bi_consent() RETURNS SETOF mw.kpi_consent_row
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM mw.kpi_consent(NULL, NULL, NULL, NULL, NULL) $$;

CREATE VIEW kpi.school_period AS SELECT * FROM mw.kpi_bi_rows('school');
CREATE VIEW kpi.district_period AS SELECT * FROM mw.kpi_bi_rows('district');
CREATE VIEW kpi.region_period AS SELECT * FROM mw.kpi_bi_rows('region');
CREATE VIEW kpi.overdue_roadmap_item AS SELECT * FROM mw.kpi_bi_overdue();
CREATE VIEW kpi.consent_below_100 AS SELECT * FROM mw.kpi_bi_consent();
CREATE VIEW kpi.column_label AS SELECT name, label FROM mw.kpi_label;

COMMENT ON VIEW kpi.school_period IS
    'Indicators of each school for each academic year and stage (current report version)';
COMMENT ON VIEW kpi.district_period IS
    'Indicators of each district for each academic year and stage';
COMMENT ON VIEW kpi.region_period IS
    'Indicators of each region for each academic year and stage';
COMMENT ON VIEW kpi.overdue_roadmap_item IS
    'Roadmap items overdue on the date of the current report that lists them';
COMMENT ON VIEW kpi.consent_below_100 IS
    'Reporting schools with mentors or mentees without consent on file';
COMMENT ON VIEW kpi.column_label IS
    'The Russian name of each KPI column (a__b columns are listed as a.b) and of coded values (rows "column:value")';

-- Publishes the kpi views: every column commented with its Russian name (mw.kpi_label), and
-- read rights for mw_bi_reader. Called by each migration that adds a kpi view.
CREATE FUNCTION mw.kpi_publish() RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT a.attrelid::regclass AS view, a.attname, l.label
          FROM pg_attribute a
          JOIN pg_class v ON v.oid = a.attrelid
          JOIN mw.kpi_label l ON l.name = replace(a.attname, '__', '.')
         WHERE v.relnamespace = 'kpi'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', c.view, c.attname, c.label);
    END LOOP;
    -- The wrappers run as their owner: only the views' readers may call them.
    FOR c IN
        SELECT p.oid::regprocedure AS fn FROM pg_proc p
         WHERE p.pronamespace = 'mw'::regnamespace AND p.proname LIKE 'kpi\_bi\_%'
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', c.fn);
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'mw_bi_reader') THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO mw_bi_reader', c.fn);
        END IF;
    END LOOP;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'mw_bi_reader') THEN
        GRANT USAGE ON SCHEMA kpi TO mw_bi_reader;
        GRANT SELECT ON ALL TABLES IN SCHEMA kpi TO mw_bi_reader;
    ELSE
        RAISE NOTICE 'role mw_bi_reader does not exist: the kpi views are not granted to it';
    END IF;
END
$$;

-- The readers' group role: no login of its own; a BI tool gets a login role in it:
--   CREATE ROLE datalens LOGIN PASSWORD '...' IN ROLE mw_bi_reader;
-- Roles belong to the cluster: created once, granted in every mentorwatch database. A
-- migrating user that may not create roles skips this with a notice (see KPI.md).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mw_bi_reader') THEN
        IF NOT EXISTS (SELECT FROM pg_roles
                        WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
            RAISE NOTICE 'role mw_bi_reader not created: % may not create roles', current_user;
            RETURN;
        END IF;
        CREATE ROLE mw_bi_reader NOLOGIN;
        COMMENT ON ROLE mw_bi_reader IS 'mentorwatch: reads the kpi views only (BI tools)';
    END IF;
END
$$;
SELECT mw.kpi_publish();
