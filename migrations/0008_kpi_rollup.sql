-- 0008_kpi_rollup: the KPIs of a district, a region or the country read per-district sums kept
-- at each report's commit, instead of every school's summary.
--
-- A region's time series read one summary per school and period (7,000-10,000 probes for a
-- region, 240-350 ms); a district's sums per period make it ~400 rows. The layers now:
--   mw.kpi_contribution(...)    what one report adds to the sums of its district and period
--                               (the per-school rules: on time, below target, consent), used
--                               by everything below, so each rule is written once
--   mw.kpi_district_period      the sums per (district, academic year, stage): a base row
--                               plus the deltas of reports whose fold found the row busy
--   mw.kpi_report_summarise()   the commit-time trigger of 0006, now also adding the report's
--                               contribution (and taking back the version it replaces)
--   mw.kpi_rollup_rebuild(...)  recomputes districts from their schools when what the sums
--                               depend on changes: a deadline, a region's target, a school's
--                               district (statement triggers below)
--   mw.kpi_rows(...)            schools from their summaries, everything above a school from
--                               the district sums; one aggregation and one set of formulas
--                               for both.
-- What is not per period stays live: schools expected (mw.school) and website compliance
-- (the latest checks), counted per district when read; pending or missing (the deadline
-- against now()) likewise.

-- What one report contributes to its district's sums for its period. Counts of schools
-- (reports, reports_on_time, ...) are 0 or 1 per report; the averages are kept as a sum and
-- a count of the reports that gave a value.
CREATE TYPE mw.kpi_sums AS (
    reports                  int,   -- reports received (current versions)
    reports_on_time          int,   -- of which first received by a deadline that is set
    young_below_target       int,   -- schools with young-teacher coverage below the target
    consent_below_100        int,   -- schools with a mentor or mentee without consent
    teachers_total           int,
    young_teachers           int,
    young_teachers_mentored  int,
    mentors                  int,
    mentors_trained          int,
    mentees                  int,
    participants_with_consent int,
    mentors_teacher          int,
    mentors_student          int,
    mentors_parent           int,
    mentors_graduate         int,
    mentors_employer_staff   int,
    mentors_entrepreneur     int,
    mentors_veteran          int,
    mentees_student_gifted              int,
    mentees_student_low_results         int,
    mentees_student_disabilities        int,
    mentees_student_difficult_situation int,
    mentees_student_behaviour           int,
    mentees_student_disengaged          int,
    mentees_teacher_young_specialist    int,
    mentees_teacher_burnout             int,
    mentees_teacher_new_to_school       int,
    mentees_teacher_digital_skills      int,
    pairs                    int,
    pairs_teacher_teacher    int,
    pairs_teacher_student    int,
    pairs_student_student    int,
    pairs_employer_student   int,
    pairs_graduate_student   int,
    pairs_parent_student     int,
    pairs_formed             int,
    pairs_active             int,
    pairs_completed          int,
    pairs_terminated         int,
    pairs_with_plan          int,
    pairs_with_order         int,
    meetings                 int,
    meetings_with_feedback   int,
    pairs_cycle_complete     int,
    cycle_steps              int,
    roadmap_items            int,
    roadmap_done_on_time     int,
    roadmap_done_late        int,
    roadmap_overdue          int,
    roadmap_not_due          int,
    roadmap_cancelled        int,
    with_monitoring          int,
    satisfaction_mentors_sum numeric,
    satisfaction_mentors_n   int,
    satisfaction_mentees_sum numeric,
    satisfaction_mentees_n   int,
    quality_sum              numeric,
    quality_n                int,
    growth_entry_sum         numeric,
    growth_entry_n           int,
    growth_exit_sum          numeric,
    growth_exit_n            int,
    growth_sum               numeric,   -- growth_exit - growth_entry, where both are given
    growth_n                 int,
    documents_listed         int,
    practices                int,
    competitions             int,
    competition_participants int,
    competition_winners      int,
    incentives               int
);

-- The contribution of one report (p_summary, its mw.kpi_report row) times p_sign (1 adds it,
-- -1 takes it back), judged by its slot's first receipt, the district's deadline and the
-- region's target. No row when p_summary is NULL (a school that has not reported).
CREATE FUNCTION mw.kpi_contribution(p_sign int, p_summary mw.kpi_report,
                                    p_first_received timestamptz, p_deadline timestamptz,
                                    p_target numeric)
RETURNS SETOF mw.kpi_sums
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT p_sign,
       p_sign * (p_deadline IS NOT NULL AND p_first_received <= p_deadline)::int,
       p_sign * ((p_summary).young_teachers > 0
                 AND (p_summary).young_teachers_mentored * 100
                     < p_target * (p_summary).young_teachers)::int,
       p_sign * ((p_summary).participants_with_consent
                 < (p_summary).mentors + (p_summary).mentees)::int,
       p_sign * (p_summary).teachers_total,
       p_sign * (p_summary).young_teachers,
       p_sign * (p_summary).young_teachers_mentored,
       p_sign * (p_summary).mentors,
       p_sign * (p_summary).mentors_trained,
       p_sign * (p_summary).mentees,
       p_sign * (p_summary).participants_with_consent,
       p_sign * (p_summary).mentors_teacher,
       p_sign * (p_summary).mentors_student,
       p_sign * (p_summary).mentors_parent,
       p_sign * (p_summary).mentors_graduate,
       p_sign * (p_summary).mentors_employer_staff,
       p_sign * (p_summary).mentors_entrepreneur,
       p_sign * (p_summary).mentors_veteran,
       p_sign * (p_summary).mentees_student_gifted,
       p_sign * (p_summary).mentees_student_low_results,
       p_sign * (p_summary).mentees_student_disabilities,
       p_sign * (p_summary).mentees_student_difficult_situation,
       p_sign * (p_summary).mentees_student_behaviour,
       p_sign * (p_summary).mentees_student_disengaged,
       p_sign * (p_summary).mentees_teacher_young_specialist,
       p_sign * (p_summary).mentees_teacher_burnout,
       p_sign * (p_summary).mentees_teacher_new_to_school,
       p_sign * (p_summary).mentees_teacher_digital_skills,
       p_sign * (p_summary).pairs,
       p_sign * (p_summary).pairs_teacher_teacher,
       p_sign * (p_summary).pairs_teacher_student,
       p_sign * (p_summary).pairs_student_student,
       p_sign * (p_summary).pairs_employer_student,
       p_sign * (p_summary).pairs_graduate_student,
       p_sign * (p_summary).pairs_parent_student,
       p_sign * (p_summary).pairs_formed,
       p_sign * (p_summary).pairs_active,
       p_sign * (p_summary).pairs_completed,
       p_sign * (p_summary).pairs_terminated,
       p_sign * (p_summary).pairs_with_plan,
       p_sign * (p_summary).pairs_with_order,
       p_sign * (p_summary).meetings,
       p_sign * (p_summary).meetings_with_feedback,
       p_sign * (p_summary).pairs_cycle_complete,
       p_sign * (p_summary).cycle_steps,
       p_sign * (p_summary).roadmap_items,
       p_sign * (p_summary).roadmap_done_on_time,
       p_sign * (p_summary).roadmap_done_late,
       p_sign * (p_summary).roadmap_overdue,
       p_sign * (p_summary).roadmap_not_due,
       p_sign * (p_summary).roadmap_cancelled,
       p_sign * (p_summary).has_monitoring::int,
       p_sign * coalesce((p_summary).satisfaction_mentors, 0),
       p_sign * ((p_summary).satisfaction_mentors IS NOT NULL)::int,
       p_sign * coalesce((p_summary).satisfaction_mentees, 0),
       p_sign * ((p_summary).satisfaction_mentees IS NOT NULL)::int,
       p_sign * coalesce((p_summary).quality, 0),
       p_sign * ((p_summary).quality IS NOT NULL)::int,
       p_sign * coalesce((p_summary).growth_entry, 0),
       p_sign * ((p_summary).growth_entry IS NOT NULL)::int,
       p_sign * coalesce((p_summary).growth_exit, 0),
       p_sign * ((p_summary).growth_exit IS NOT NULL)::int,
       p_sign * coalesce((p_summary).growth_exit - (p_summary).growth_entry, 0),
       p_sign * ((p_summary).growth_exit - (p_summary).growth_entry IS NOT NULL)::int,
       p_sign * (p_summary).documents_listed,
       p_sign * (p_summary).practices,
       p_sign * (p_summary).competitions,
       p_sign * (p_summary).competition_participants,
       p_sign * (p_summary).competition_winners,
       p_sign * (p_summary).incentives
 WHERE (p_summary).report_id IS NOT NULL
$$;

-- The sums of each district for each period: their total over the rows of a key. Usually one
-- row (the base); a report whose fold found the key busy (another transaction folding it)
-- adds its contribution as rows of its own, folded in by the next report of that key.
CREATE TABLE mw.kpi_district_period (
    district_id   bigint NOT NULL,
    academic_year mw.academic_year NOT NULL,
    stage         mw.stage_name NOT NULL,
    LIKE mw.kpi_sums
);
CREATE INDEX kpi_district_period_key_idx
    ON mw.kpi_district_period (district_id, academic_year, stage);

-- Folds the rows of one key into one row of their totals (none when they cancel out to no
-- report, which a rebuild may leave).
CREATE FUNCTION mw.kpi_rollup_fold(p_district bigint, p_year mw.academic_year,
                                   p_stage mw.stage_name) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    WITH gone AS (
        DELETE FROM mw.kpi_district_period r
         WHERE r.district_id = p_district AND r.academic_year = p_year AND r.stage = p_stage
        RETURNING r.*)
    INSERT INTO mw.kpi_district_period
    SELECT p_district, p_year, p_stage,
           sum(reports), sum(reports_on_time), sum(young_below_target), sum(consent_below_100),
           sum(teachers_total), sum(young_teachers), sum(young_teachers_mentored),
           sum(mentors), sum(mentors_trained), sum(mentees), sum(participants_with_consent),
           sum(mentors_teacher), sum(mentors_student), sum(mentors_parent),
           sum(mentors_graduate), sum(mentors_employer_staff), sum(mentors_entrepreneur),
           sum(mentors_veteran), sum(mentees_student_gifted), sum(mentees_student_low_results),
           sum(mentees_student_disabilities), sum(mentees_student_difficult_situation),
           sum(mentees_student_behaviour), sum(mentees_student_disengaged),
           sum(mentees_teacher_young_specialist), sum(mentees_teacher_burnout),
           sum(mentees_teacher_new_to_school), sum(mentees_teacher_digital_skills),
           sum(pairs), sum(pairs_teacher_teacher), sum(pairs_teacher_student),
           sum(pairs_student_student), sum(pairs_employer_student), sum(pairs_graduate_student),
           sum(pairs_parent_student), sum(pairs_formed), sum(pairs_active),
           sum(pairs_completed), sum(pairs_terminated), sum(pairs_with_plan),
           sum(pairs_with_order), sum(meetings), sum(meetings_with_feedback),
           sum(pairs_cycle_complete), sum(cycle_steps), sum(roadmap_items),
           sum(roadmap_done_on_time), sum(roadmap_done_late), sum(roadmap_overdue),
           sum(roadmap_not_due), sum(roadmap_cancelled), sum(with_monitoring),
           sum(satisfaction_mentors_sum), sum(satisfaction_mentors_n),
           sum(satisfaction_mentees_sum), sum(satisfaction_mentees_n), sum(quality_sum),
           sum(quality_n), sum(growth_entry_sum), sum(growth_entry_n), sum(growth_exit_sum),
           sum(growth_exit_n), sum(growth_sum), sum(growth_n), sum(documents_listed),
           sum(practices), sum(competitions), sum(competition_participants),
           sum(competition_winners), sum(incentives)
      FROM gone
    HAVING sum(reports) <> 0;
END
$$;

-- Only one transaction folds a key at a time, and a report never waits for it: the others
-- leave their rows for later. Once per transaction and key: a group commit of many reports
-- of one district would otherwise fold again at every report, over the rows the transaction
-- keeps adding (its own dead versions cannot be skipped before it commits), so the rest of
-- its reports leave their rows to the next transaction's fold. Advisory key space (-1, hash):
-- 0003's meeting lock used (school id > 0, hash).
CREATE FUNCTION mw.kpi_rollup_try_fold(p_district bigint, p_year mw.academic_year,
                                       p_stage mw.stage_name) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_key  text := '|' || p_district || ' ' || p_year || ' ' || p_stage || '|';
    v_done text := coalesce(current_setting('mw.kpi_folded', true), '');
BEGIN
    IF strpos(v_done, v_key) = 0 AND pg_try_advisory_xact_lock(-1, hashtext(v_key)) THEN
        PERFORM mw.kpi_rollup_fold(p_district, p_year, p_stage);
        PERFORM set_config('mw.kpi_folded', v_done || v_key, true);
    END IF;
END
$$;

-- The school-level input of the district sums and of mw.kpi_rows: one row per school and
-- period (p_year and p_stage, or every known period when p_year is NULL) with its current
-- report's contribution (mw.kpi_sums columns, NULL when the school has not reported).
-- Replaces 0006's version, whose per-school rules now come from mw.kpi_contribution.
DROP FUNCTION mw.kpi_school_period(mw.academic_year, mw.stage_name);
CREATE FUNCTION mw.kpi_school_period(p_year mw.academic_year, p_stage mw.stage_name)
RETURNS TABLE (
    school_id bigint, district_id bigint, region_id bigint,
    school_code text, school_name text, district_code text, district_name text,
    region_code text, region_name text,
    academic_year mw.academic_year, stage mw.stage_name,
    young_coverage_target numeric, deadline timestamptz,
    report_id bigint, version int, received_at timestamptz, last_received_at timestamptz,
    site_checked boolean, site_compliant boolean,
    reports int,
    reports_on_time int,
    young_below_target int,
    consent_below_100 int,
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
    with_monitoring int,
    satisfaction_mentors_sum numeric,
    satisfaction_mentors_n int,
    satisfaction_mentees_sum numeric,
    satisfaction_mentees_n int,
    quality_sum numeric,
    quality_n int,
    growth_entry_sum numeric,
    growth_entry_n int,
    growth_exit_sum numeric,
    growth_exit_n int,
    growth_sum numeric,
    growth_n int,
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
       site.school_id IS NOT NULL, site.compliant, 
       c.reports, c.reports_on_time, c.young_below_target, c.consent_below_100,
       c.teachers_total, c.young_teachers, c.young_teachers_mentored, c.mentors,
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
       c.roadmap_not_due, c.roadmap_cancelled, c.with_monitoring, c.satisfaction_mentors_sum,
       c.satisfaction_mentors_n, c.satisfaction_mentees_sum, c.satisfaction_mentees_n,
       c.quality_sum, c.quality_n, c.growth_entry_sum, c.growth_entry_n, c.growth_exit_sum,
       c.growth_exit_n, c.growth_sum, c.growth_n, c.documents_listed, c.practices,
       c.competitions, c.competition_participants, c.competition_winners, c.incentives
  FROM mw.district d
  JOIN mw.region rg ON rg.id = d.region_id
 CROSS JOIN (SELECT kp.academic_year, kp.stage FROM mw.kpi_period kp WHERE p_year IS NULL
             UNION ALL
             SELECT p_year, p_stage WHERE p_year IS NOT NULL) p
  -- Probes of primary keys per district (the deadline) or school and period, whatever the
  -- planner estimates (LIMIT keeps a subquery from being flattened into a hash join over
  -- every row of the country).
  LEFT JOIN LATERAL (
      SELECT st.deadline FROM mw.stage st
       WHERE st.district_id = d.id AND st.academic_year = p.academic_year
         AND st.stage = p.stage
       LIMIT 1) st ON true
  JOIN mw.school s ON s.district_id = d.id
  -- The contribution is computed here, next to the summary row: the planner then reads
  -- the summary's columns directly instead of building and taking apart a composite value.
  LEFT JOIN LATERAL (
      SELECT rs.current_report_id, rs.current_version, rs.first_received_at,
             rs.last_received_at, k.*
        FROM mw.report_slot rs
        JOIN mw.kpi_report kr ON kr.report_id = rs.current_report_id
       CROSS JOIN LATERAL mw.kpi_contribution(1, kr, rs.first_received_at, st.deadline,
                                              rg.young_coverage_target) k
       WHERE rs.school_id = s.id AND rs.academic_year = p.academic_year
         AND rs.stage = p.stage
       LIMIT 1) c ON true
  LEFT JOIN mw.kpi_school_site site ON site.school_id = s.id
$$;

-- Recomputes the sums of the districts in p_districts (NULL: every district), every period,
-- from their schools' current reports. Blocks new reports' contributions meanwhile (they
-- take ROW EXCLUSIVE on the table before they read a deadline, a target or a district), so
-- each report is counted either here or by its own trigger, once.
CREATE FUNCTION mw.kpi_rollup_rebuild(p_districts bigint[]) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    LOCK TABLE mw.kpi_district_period IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM mw.kpi_district_period r
     WHERE p_districts IS NULL OR r.district_id = ANY (p_districts);
    INSERT INTO mw.kpi_district_period
    SELECT x.district_id, x.academic_year, x.stage, 
           x.reports, x.reports_on_time, x.young_below_target, x.consent_below_100,
           x.teachers_total, x.young_teachers, x.young_teachers_mentored, x.mentors,
           x.mentors_trained, x.mentees, x.participants_with_consent, x.mentors_teacher,
           x.mentors_student, x.mentors_parent, x.mentors_graduate, x.mentors_employer_staff,
           x.mentors_entrepreneur, x.mentors_veteran, x.mentees_student_gifted,
           x.mentees_student_low_results, x.mentees_student_disabilities,
           x.mentees_student_difficult_situation, x.mentees_student_behaviour,
           x.mentees_student_disengaged, x.mentees_teacher_young_specialist,
           x.mentees_teacher_burnout, x.mentees_teacher_new_to_school,
           x.mentees_teacher_digital_skills, x.pairs, x.pairs_teacher_teacher,
           x.pairs_teacher_student, x.pairs_student_student, x.pairs_employer_student,
           x.pairs_graduate_student, x.pairs_parent_student, x.pairs_formed, x.pairs_active,
           x.pairs_completed, x.pairs_terminated, x.pairs_with_plan, x.pairs_with_order,
           x.meetings, x.meetings_with_feedback, x.pairs_cycle_complete, x.cycle_steps,
           x.roadmap_items, x.roadmap_done_on_time, x.roadmap_done_late, x.roadmap_overdue,
           x.roadmap_not_due, x.roadmap_cancelled, x.with_monitoring,
           x.satisfaction_mentors_sum, x.satisfaction_mentors_n, x.satisfaction_mentees_sum,
           x.satisfaction_mentees_n, x.quality_sum, x.quality_n, x.growth_entry_sum,
           x.growth_entry_n, x.growth_exit_sum, x.growth_exit_n, x.growth_sum, x.growth_n,
           x.documents_listed, x.practices, x.competitions, x.competition_participants,
           x.competition_winners, x.incentives
      FROM mw.kpi_school_period(NULL, NULL) x
     WHERE x.report_id IS NOT NULL
       AND (p_districts IS NULL OR x.district_id = ANY (p_districts));
    PERFORM mw.kpi_rollup_fold(k.district_id, k.academic_year, k.stage)
       FROM (SELECT DISTINCT r.district_id, r.academic_year, r.stage
               FROM mw.kpi_district_period r
              WHERE p_districts IS NULL OR r.district_id = ANY (p_districts)) k;
END
$$;

-- The trigger of 0006 (at the commit that stores a report): the report's summary, its
-- period, and now its contribution to its district's sums, less the version it replaces.
CREATE OR REPLACE FUNCTION mw.kpi_report_summarise() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_new      mw.kpi_report;
    v_old      mw.kpi_report;
    v_district bigint;
    v_deadline timestamptz;
    v_target   numeric;
    v_first    timestamptz;
BEGIN
    INSERT INTO mw.kpi_report SELECT * FROM mw.kpi_report_compute(ARRAY[NEW.id])
        RETURNING * INTO v_new;
    INSERT INTO mw.kpi_period (academic_year, stage) VALUES (NEW.academic_year, NEW.stage)
        ON CONFLICT DO NOTHING;

    -- Before reading what the contribution depends on; see mw.kpi_rollup_rebuild.
    LOCK TABLE mw.kpi_district_period IN ROW EXCLUSIVE MODE;
    SELECT s.district_id, st.deadline, rg.young_coverage_target, rs.first_received_at
      INTO v_district, v_deadline, v_target, v_first
      FROM mw.school s
      JOIN mw.district d ON d.id = s.district_id
      JOIN mw.region rg ON rg.id = d.region_id
      LEFT JOIN mw.stage st ON st.district_id = s.district_id
                           AND st.academic_year = NEW.academic_year AND st.stage = NEW.stage
      LEFT JOIN mw.report_slot rs ON rs.school_id = s.id
                                 AND rs.academic_year = NEW.academic_year
                                 AND rs.stage = NEW.stage
     WHERE s.id = NEW.school_id;
    -- Versions are consecutive (0003: every version goes through the slot's row).
    SELECT kr.* INTO v_old
      FROM mw.report r
      JOIN mw.kpi_report kr ON kr.report_id = r.id
     WHERE r.school_id = NEW.school_id AND r.academic_year = NEW.academic_year
       AND r.stage = NEW.stage AND r.version = NEW.version - 1;

    INSERT INTO mw.kpi_district_period
    SELECT v_district, NEW.academic_year, NEW.stage, c.*
      FROM mw.kpi_contribution(1, v_new, v_first, v_deadline, v_target) c
    UNION ALL
    SELECT v_district, NEW.academic_year, NEW.stage, c.*
      FROM mw.kpi_contribution(-1, v_old, v_first, v_deadline, v_target) c;
    PERFORM mw.kpi_rollup_try_fold(v_district, NEW.academic_year, NEW.stage);
    RETURN NULL;
END
$$;

-- What the sums depend on, changed: rebuild the districts concerned. Statement triggers,
-- so that loading a whole CSV of schools or of deadlines rebuilds each district once.
CREATE FUNCTION mw.kpi_rollup_stage_changed() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM mw.kpi_rollup_rebuild(ARRAY(SELECT DISTINCT n.district_id FROM new_rows n));
    ELSE
        PERFORM mw.kpi_rollup_rebuild(ARRAY(
            SELECT DISTINCT n.district_id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.deadline IS DISTINCT FROM o.deadline
            UNION
            SELECT o.district_id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.district_id <> o.district_id));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER kpi_rollup_stage_inserted AFTER INSERT ON mw.stage
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mw.kpi_rollup_stage_changed();
CREATE TRIGGER kpi_rollup_stage_updated AFTER UPDATE ON mw.stage
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mw.kpi_rollup_stage_changed();

CREATE FUNCTION mw.kpi_rollup_school_moved() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_districts bigint[];
BEGIN
    v_districts := ARRAY(SELECT o.district_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                          WHERE n.district_id <> o.district_id
                         UNION
                         SELECT n.district_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                          WHERE n.district_id <> o.district_id);
    IF cardinality(v_districts) > 0 THEN
        PERFORM mw.kpi_rollup_rebuild(v_districts);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER kpi_rollup_school_moved AFTER UPDATE ON mw.school
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mw.kpi_rollup_school_moved();

CREATE FUNCTION mw.kpi_rollup_target_changed() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_districts bigint[];
BEGIN
    v_districts := ARRAY(SELECT d.id FROM mw.district d
                          WHERE d.region_id IN (
                              SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                               WHERE n.young_coverage_target <> o.young_coverage_target));
    IF cardinality(v_districts) > 0 THEN
        PERFORM mw.kpi_rollup_rebuild(v_districts);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER kpi_rollup_target_changed AFTER UPDATE ON mw.region
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mw.kpi_rollup_target_changed();

-- The sums of the reports already stored.
SELECT mw.kpi_rollup_rebuild(NULL);

-- The indicators of every unit of p_level ('school', 'district', 'region' or 'all') in the
-- scope (p_region, p_district, p_school: NULL for no limit) for one period, or for every
-- period in which the scope had a deadline or a report when p_year is NULL. Counts are NULL
-- when no school of the unit has reported; shares are percent. The same columns as 0006's.
--
-- The units summed (u): for the school level (or a scope of one school), one row per school
-- and period with its report's contribution; above it, one row per district and period (schools expected, the
-- deadline, website checks) and the district's sums rows. Pending and missing are counted
-- against now(), on each row with its district's deadline, so they stay exact when summed.
CREATE OR REPLACE FUNCTION mw.kpi_rows(p_level text, p_year mw.academic_year,
                                       p_stage mw.stage_name, p_region bigint,
                                       p_district bigint, p_school bigint)
RETURNS SETOF mw.kpi_row
LANGUAGE sql STABLE
AS $$
SELECT p_level, g.region_code, g.region_name, g.district_code, g.district_name, g.school_code,
       g.school_name,
       g.academic_year::text, g.stage,
       CASE WHEN p_level = 'school' THEN
           CASE WHEN g.pending > 0 THEN 'pending'
                WHEN g.missing > 0 THEN 'missing'
                WHEN g.no_deadline > 0 THEN 'no_deadline'
                WHEN g.on_time > 0 THEN 'on_time'
                ELSE 'late' END END,
       g.version, g.received_at, g.last_received_at, g.deadline,
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
       g.with_monitoring,
       round(g.satisfaction_mentors_sum / nullif(g.satisfaction_mentors_n, 0), 1),
       round(g.satisfaction_mentees_sum / nullif(g.satisfaction_mentees_n, 0), 1),
       round(g.quality_sum / nullif(g.quality_n, 0), 1),
       round(g.growth_entry_sum / nullif(g.growth_entry_n, 0), 1),
       round(g.growth_exit_sum / nullif(g.growth_exit_n, 0), 1),
       round(g.growth_sum / nullif(g.growth_n, 0), 1),
       g.documents_listed, g.practices, g.competitions, g.competition_participants,
       g.competition_winners, g.incentives,
       g.sites_checked, g.sites_compliant, mw.kpi_share(g.sites_compliant, g.sites_checked)
  FROM (
      SELECT CASE WHEN p_level IN ('region', 'district', 'school') THEN u.region_code END
                 AS region_code,
             CASE WHEN p_level IN ('region', 'district', 'school') THEN u.region_name END
                 AS region_name,
             CASE WHEN p_level IN ('district', 'school') THEN u.district_code END
                 AS district_code,
             CASE WHEN p_level IN ('district', 'school') THEN u.district_name END
                 AS district_name,
             CASE WHEN p_level = 'school' THEN u.school_code END AS school_code,
             CASE WHEN p_level = 'school' THEN u.school_name END AS school_name,
             u.academic_year, u.stage,
             max(u.version) AS version,
             max(u.received_at) AS received_at,
             max(u.last_received_at) AS last_received_at,
             CASE WHEN p_level = 'school' THEN max(u.deadline) END AS deadline,
             sum(u.expected)::int AS expected,
             coalesce(sum(u.reports), 0)::int AS received,
             coalesce(sum(u.reports_on_time), 0)::int AS on_time,
             coalesce(sum(u.reports - u.reports_on_time) FILTER (WHERE u.deadline IS NOT NULL),
                      0)::int AS late,
             coalesce(sum(u.expected - coalesce(u.reports, 0))
                          FILTER (WHERE u.deadline <= now()), 0)::int AS missing,
             coalesce(sum(u.expected - coalesce(u.reports, 0))
                          FILTER (WHERE u.deadline IS NULL OR u.deadline > now()), 0)::int
                 AS pending,
             coalesce(sum(u.reports) FILTER (WHERE u.deadline IS NULL), 0)::int AS no_deadline,
             CASE WHEN min(u.target) = max(u.target) THEN min(u.target) END AS target,
             coalesce(sum(u.young_below_target), 0)::int AS below_target,
             coalesce(sum(u.consent_below_100), 0)::int AS consent_below,
             sum(u.sites_checked)::int AS sites_checked,
             sum(u.sites_compliant)::int AS sites_compliant,
             sum(u.teachers_total)::int AS teachers_total,
             sum(u.young_teachers)::int AS young_teachers,
             sum(u.young_teachers_mentored)::int AS young_mentored,
             sum(u.mentors)::int AS mentors,
             sum(u.mentors_trained)::int AS mentors_trained,
             sum(u.mentees)::int AS mentees,
             sum(u.participants_with_consent)::int AS with_consent,
             sum(u.mentors_teacher)::int AS mentors_teacher,
             sum(u.mentors_student)::int AS mentors_student,
             sum(u.mentors_parent)::int AS mentors_parent,
             sum(u.mentors_graduate)::int AS mentors_graduate,
             sum(u.mentors_employer_staff)::int AS mentors_employer_staff,
             sum(u.mentors_entrepreneur)::int AS mentors_entrepreneur,
             sum(u.mentors_veteran)::int AS mentors_veteran,
             sum(u.mentees_student_gifted)::int AS mentees_student_gifted,
             sum(u.mentees_student_low_results)::int AS mentees_student_low_results,
             sum(u.mentees_student_disabilities)::int AS mentees_student_disabilities,
             sum(u.mentees_student_difficult_situation)::int
                 AS mentees_student_difficult_situation,
             sum(u.mentees_student_behaviour)::int AS mentees_student_behaviour,
             sum(u.mentees_student_disengaged)::int AS mentees_student_disengaged,
             sum(u.mentees_teacher_young_specialist)::int AS mentees_teacher_young_specialist,
             sum(u.mentees_teacher_burnout)::int AS mentees_teacher_burnout,
             sum(u.mentees_teacher_new_to_school)::int AS mentees_teacher_new_to_school,
             sum(u.mentees_teacher_digital_skills)::int AS mentees_teacher_digital_skills,
             sum(u.pairs)::int AS pairs,
             sum(u.pairs_teacher_teacher)::int AS pairs_teacher_teacher,
             sum(u.pairs_teacher_student)::int AS pairs_teacher_student,
             sum(u.pairs_student_student)::int AS pairs_student_student,
             sum(u.pairs_employer_student)::int AS pairs_employer_student,
             sum(u.pairs_graduate_student)::int AS pairs_graduate_student,
             sum(u.pairs_parent_student)::int AS pairs_parent_student,
             sum(u.pairs_formed)::int AS pairs_formed,
             sum(u.pairs_active)::int AS pairs_active,
             sum(u.pairs_completed)::int AS pairs_completed,
             sum(u.pairs_terminated)::int AS pairs_terminated,
             sum(u.pairs_with_plan)::int AS pairs_with_plan,
             sum(u.pairs_with_order)::int AS pairs_with_order,
             sum(u.meetings)::int AS meetings,
             sum(u.meetings_with_feedback)::int AS meetings_with_feedback,
             sum(u.pairs_cycle_complete)::int AS cycle_complete,
             sum(u.cycle_steps)::int AS cycle_steps,
             sum(u.roadmap_items)::int AS roadmap_items,
             sum(u.roadmap_done_on_time)::int AS done_on_time,
             sum(u.roadmap_done_late)::int AS done_late,
             sum(u.roadmap_overdue)::int AS overdue,
             sum(u.roadmap_not_due)::int AS not_due,
             sum(u.roadmap_cancelled)::int AS cancelled,
             coalesce(sum(u.with_monitoring), 0)::int AS with_monitoring,
             sum(u.satisfaction_mentors_sum) AS satisfaction_mentors_sum,
             sum(u.satisfaction_mentors_n) AS satisfaction_mentors_n,
             sum(u.satisfaction_mentees_sum) AS satisfaction_mentees_sum,
             sum(u.satisfaction_mentees_n) AS satisfaction_mentees_n,
             sum(u.quality_sum) AS quality_sum,
             sum(u.quality_n) AS quality_n,
             sum(u.growth_entry_sum) AS growth_entry_sum,
             sum(u.growth_entry_n) AS growth_entry_n,
             sum(u.growth_exit_sum) AS growth_exit_sum,
             sum(u.growth_exit_n) AS growth_exit_n,
             sum(u.growth_sum) AS growth_sum,
             sum(u.growth_n) AS growth_n,
             sum(u.documents_listed)::int AS documents_listed,
             sum(u.practices)::int AS practices,
             sum(u.competitions)::int AS competitions,
             sum(u.competition_participants)::int AS competition_participants,
             sum(u.competition_winners)::int AS competition_winners,
             sum(u.incentives)::int AS incentives
        FROM (
            -- Schools: each school and period with its report's contribution.
            SELECT x.region_id, x.district_id, x.school_id, x.region_code, x.region_name,
                   x.district_code, x.district_name, x.school_code, x.school_name,
                   x.academic_year, x.stage, x.version, x.received_at, x.last_received_at,
                   x.deadline, x.young_coverage_target AS target, 1 AS expected,
                   x.site_checked::int AS sites_checked,
                   coalesce(x.site_compliant, false)::int AS sites_compliant,
                   x.reports, x.reports_on_time, x.young_below_target, x.consent_below_100,
                   x.teachers_total, x.young_teachers, x.young_teachers_mentored, x.mentors,
                   x.mentors_trained, x.mentees, x.participants_with_consent,
                   x.mentors_teacher, x.mentors_student, x.mentors_parent, x.mentors_graduate,
                   x.mentors_employer_staff, x.mentors_entrepreneur, x.mentors_veteran,
                   x.mentees_student_gifted, x.mentees_student_low_results,
                   x.mentees_student_disabilities, x.mentees_student_difficult_situation,
                   x.mentees_student_behaviour, x.mentees_student_disengaged,
                   x.mentees_teacher_young_specialist, x.mentees_teacher_burnout,
                   x.mentees_teacher_new_to_school, x.mentees_teacher_digital_skills, x.pairs,
                   x.pairs_teacher_teacher, x.pairs_teacher_student, x.pairs_student_student,
                   x.pairs_employer_student, x.pairs_graduate_student, x.pairs_parent_student,
                   x.pairs_formed, x.pairs_active, x.pairs_completed, x.pairs_terminated,
                   x.pairs_with_plan, x.pairs_with_order, x.meetings, x.meetings_with_feedback,
                   x.pairs_cycle_complete, x.cycle_steps, x.roadmap_items,
                   x.roadmap_done_on_time, x.roadmap_done_late, x.roadmap_overdue,
                   x.roadmap_not_due, x.roadmap_cancelled, x.with_monitoring,
                   x.satisfaction_mentors_sum, x.satisfaction_mentors_n,
                   x.satisfaction_mentees_sum, x.satisfaction_mentees_n, x.quality_sum,
                   x.quality_n, x.growth_entry_sum, x.growth_entry_n, x.growth_exit_sum,
                   x.growth_exit_n, x.growth_sum, x.growth_n, x.documents_listed, x.practices,
                   x.competitions, x.competition_participants, x.competition_winners,
                   x.incentives
              FROM mw.kpi_school_period(p_year, p_stage) x
             WHERE (p_level = 'school' OR p_school IS NOT NULL)
               AND (p_region IS NULL OR x.region_id = p_region)
               AND (p_district IS NULL OR x.district_id = p_district)
               AND (p_school IS NULL OR x.school_id = p_school)
            UNION ALL
            -- Districts and periods: schools expected, the deadline, website checks.
            SELECT d.region_id, d.id, NULL, rg.code::text, rg.name, d.code::text, d.name,
                   NULL, NULL, p.academic_year, p.stage, NULL, NULL, NULL, st.deadline,
                   rg.young_coverage_target, n.schools, n.sites_checked, n.sites_compliant,
                   (NULL::mw.kpi_sums).*
              FROM mw.district d
              JOIN mw.region rg ON rg.id = d.region_id
              JOIN (SELECT s.district_id, count(*)::int AS schools,
                           count(site.school_id)::int AS sites_checked,
                           count(*) FILTER (WHERE site.compliant)::int AS sites_compliant
                      FROM mw.school s
                      JOIN mw.district sd ON sd.id = s.district_id
                      LEFT JOIN mw.kpi_school_site site ON site.school_id = s.id
                     WHERE p_level <> 'school' AND p_school IS NULL
                       AND (p_region IS NULL OR sd.region_id = p_region)
                       AND (p_district IS NULL OR s.district_id = p_district)
                     GROUP BY s.district_id) n ON n.district_id = d.id
             CROSS JOIN (SELECT kp.academic_year, kp.stage FROM mw.kpi_period kp
                          WHERE p_year IS NULL
                         UNION ALL
                         SELECT p_year, p_stage WHERE p_year IS NOT NULL) p
              LEFT JOIN mw.stage st ON st.district_id = d.id
                                   AND st.academic_year = p.academic_year
                                   AND st.stage = p.stage
             WHERE p_level <> 'school' AND p_school IS NULL
               AND (p_region IS NULL OR d.region_id = p_region)
               AND (p_district IS NULL OR d.id = p_district)
            UNION ALL
            -- The districts' sums of those periods.
            SELECT d.region_id, d.id, NULL, rg.code::text, rg.name, d.code::text, d.name,
                   NULL, NULL, r.academic_year, r.stage, NULL, NULL, NULL, st.deadline,
                   rg.young_coverage_target, 0, 0, 0,
                   r.reports, r.reports_on_time, r.young_below_target, r.consent_below_100,
                   r.teachers_total, r.young_teachers, r.young_teachers_mentored, r.mentors,
                   r.mentors_trained, r.mentees, r.participants_with_consent,
                   r.mentors_teacher, r.mentors_student, r.mentors_parent, r.mentors_graduate,
                   r.mentors_employer_staff, r.mentors_entrepreneur, r.mentors_veteran,
                   r.mentees_student_gifted, r.mentees_student_low_results,
                   r.mentees_student_disabilities, r.mentees_student_difficult_situation,
                   r.mentees_student_behaviour, r.mentees_student_disengaged,
                   r.mentees_teacher_young_specialist, r.mentees_teacher_burnout,
                   r.mentees_teacher_new_to_school, r.mentees_teacher_digital_skills,
                   r.pairs, r.pairs_teacher_teacher, r.pairs_teacher_student,
                   r.pairs_student_student, r.pairs_employer_student, r.pairs_graduate_student,
                   r.pairs_parent_student, r.pairs_formed, r.pairs_active, r.pairs_completed,
                   r.pairs_terminated, r.pairs_with_plan, r.pairs_with_order, r.meetings,
                   r.meetings_with_feedback, r.pairs_cycle_complete, r.cycle_steps,
                   r.roadmap_items, r.roadmap_done_on_time, r.roadmap_done_late,
                   r.roadmap_overdue, r.roadmap_not_due, r.roadmap_cancelled,
                   r.with_monitoring, r.satisfaction_mentors_sum, r.satisfaction_mentors_n,
                   r.satisfaction_mentees_sum, r.satisfaction_mentees_n, r.quality_sum,
                   r.quality_n, r.growth_entry_sum, r.growth_entry_n, r.growth_exit_sum,
                   r.growth_exit_n, r.growth_sum, r.growth_n, r.documents_listed,
                   r.practices, r.competitions, r.competition_participants,
                   r.competition_winners, r.incentives
              FROM mw.kpi_district_period r
              JOIN mw.district d ON d.id = r.district_id
              JOIN mw.region rg ON rg.id = d.region_id
              LEFT JOIN mw.stage st ON st.district_id = r.district_id
                                   AND st.academic_year = r.academic_year
                                   AND st.stage = r.stage
             WHERE p_level <> 'school' AND p_school IS NULL
               AND (p_year IS NULL OR (r.academic_year = p_year AND r.stage = p_stage))
               AND (p_region IS NULL OR d.region_id = p_region)
               AND (p_district IS NULL OR r.district_id = p_district)
        ) u
       GROUP BY 1, 2, 3, 4, 5, 6, u.academic_year, u.stage,
                CASE WHEN p_level IN ('region', 'district', 'school') THEN u.region_id END,
                CASE WHEN p_level IN ('district', 'school') THEN u.district_id END,
                CASE WHEN p_level = 'school' THEN u.school_id END
      HAVING p_year IS NOT NULL OR sum(u.reports) > 0 OR count(u.deadline) > 0) g
$$;

-- The reporting schools counted in schools_consent_below_100 (0006's, on the new
-- mw.kpi_school_period; the rule is mw.kpi_contribution's).
CREATE OR REPLACE FUNCTION mw.kpi_consent(p_year mw.academic_year, p_stage mw.stage_name,
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
 WHERE x.consent_below_100 = 1
   AND (p_region IS NULL OR x.region_id = p_region)
   AND (p_district IS NULL OR x.district_id = p_district)
   AND (p_school IS NULL OR x.school_id = p_school)
$$;
