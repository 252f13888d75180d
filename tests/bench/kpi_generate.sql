-- A national-scale mentorwatch database for the KPI benchmark, written straight into the
-- tables (the ingest path is bypassed), then the KPI summaries computed exactly as the ingest's
-- trigger computes them (mw.kpi_report_compute).
--
--   psql -v regions=85 -v districts=2000 -v schools=40000 -v first_year=2020 -v years=5 \
--        -v seed=0.42 -f kpi_generate.sql
--
-- Shapes follow the seed schools' reports (services/collector/api/examples): per report
-- 3-20 mentors, 4-30 mentees, one pair per mentee up to the mentors' count x 2, meetings by
-- stage (1-3 at entry, 3-6 at the intermediate stage, 5-9 with the final meeting at the end),
-- 10-25 roadmap items over the academic year, 6-9 documents, a few practices, competitions and
-- incentives, monitoring from the intermediate stage on. About 7 % of reports are missing,
-- a third of the rest late, 8 % corrected once (two versions, both with their facts).
-- District sizes are skewed like real ones: a city district has up to ~250 schools, most 5-30.
-- The raw body of each report is a short placeholder (no KPI reads it); each school has two
-- website checks.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '256MB';
SELECT setseed(:seed);

\echo generate: hierarchy
INSERT INTO mw.region (code, name)
SELECT 'r' || g, 'Регион ' || g FROM generate_series(1, :regions) g;

INSERT INTO mw.district (region_id, code, name)
SELECT 1 + (g - 1) % :regions, 'd' || g, 'Район ' || g FROM generate_series(1, :districts) g;

-- Skewed: district k gets a share that falls with k (the first ones are cities).
INSERT INTO mw.school (district_id, code, name, website)
SELECT 1 + floor(:districts * power(random(), 1.5))::int, 'S' || g,
       'МБОУ «Средняя общеобразовательная школа №' || g || '»',
       'https://school' || g || '.example.ru'
  FROM generate_series(1, :schools) g;

CREATE TEMP TABLE gen_period AS
SELECT (y || '/' || (y + 1))::text AS academic_year, st.stage::mw.stage_name AS stage,
       st.ord, y,
       CASE st.stage WHEN 'entry' THEN make_date(y, 10, 15)
                     WHEN 'intermediate' THEN make_date(y, 12, 25)
                     ELSE make_date(y + 1, 5, 31) END AS due
  FROM generate_series(:first_year, :first_year + :years - 1) y,
       (VALUES ('entry', 1), ('intermediate', 2), ('final', 3)) AS st(stage, ord);

INSERT INTO mw.stage (district_id, academic_year, stage, deadline)
SELECT d.id, p.academic_year, p.stage, (p.due + time '23:59:59.999999') AT TIME ZONE 'Europe/Moscow'
  FROM mw.district d, gen_period p;

INSERT INTO mw.kpi_period (academic_year, stage)
SELECT academic_year, stage FROM gen_period ON CONFLICT DO NOTHING;

\echo generate: reports
-- One row per stored report version, with the sizes of its arrays.
CREATE TEMP TABLE gen_report AS
SELECT nextval('mw.report_id_seq') AS report_id, x.*,
       3 + floor(random() * 18)::int AS n_mentors,
       4 + floor(random() * 27)::int AS n_mentees,
       10 + floor(random() * 16)::int AS n_roadmap,
       6 + floor(random() * 4)::int AS n_documents,
       floor(random() * 4)::int AS n_practices,
       floor(random() * 4)::int AS n_competitions,
       floor(random() * 3)::int AS n_incentives
  FROM (SELECT s.id AS school_id, p.academic_year, p.stage, p.ord AS stage_ord, p.y, v.version,
               v.versions,
               (p.due + time '12:00') AT TIME ZONE 'Europe/Moscow'
                   + make_interval(days => floor(random() * 30)::int - 20)
                   + make_interval(days => v.version - 1) AS received_at
          FROM mw.school s
          CROSS JOIN gen_period p
          CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.08 THEN 2 ELSE 1 END AS versions) n
          CROSS JOIN LATERAL (SELECT g AS version, n.versions FROM generate_series(1, n.versions) g) v
         WHERE random() < 0.93) x;
CREATE INDEX ON gen_report (report_id);
ANALYZE gen_report;

-- Triggers (the KPI summary, foreign keys) are off for the bulk load: the summaries are
-- computed in bulk below with the trigger's own function.
SET session_replication_role = replica;

INSERT INTO mw.report (id, school_id, academic_year, stage, version, received_at,
                       idempotency_key, body_sha256, raw)
SELECT report_id, school_id, academic_year, stage, version, received_at, NULL,
       sha256(convert_to(report_id::text, 'UTF8')),
       '{"generated":true,"school":"S' || school_id || '"}'
  FROM gen_report;

INSERT INTO mw.report_slot (school_id, academic_year, stage, current_version,
                            current_report_id, first_received_at, last_received_at)
SELECT DISTINCT ON (school_id, academic_year, stage)
       school_id, academic_year, stage, version, report_id,
       min(received_at) OVER (PARTITION BY school_id, academic_year, stage), received_at
  FROM gen_report
 ORDER BY school_id, academic_year, stage, version DESC;

INSERT INTO mw.report_staff (report_id, teachers_total, young_teachers, young_teachers_mentored)
SELECT report_id, t, y, floor(y * (0.2 + random() * 0.8))::int
  FROM (SELECT report_id, 20 + floor(random() * 80)::int AS t,
               floor(random() * 12)::int AS y FROM gen_report) s;

\echo generate: participants
INSERT INTO mw.report_participant (report_id, pid, role, ord, category, minor, consent_given,
                                   consent_date, consent_by, name, trained, trained_on)
SELECT g.report_id, 'M' || i, 'mentor', i,
       (ARRAY['teacher', 'teacher', 'teacher', 'teacher', 'veteran', 'student', 'parent',
              'graduate', 'employer_staff', 'entrepreneur'])[1 + floor(random() * 10)::int]
           ::mw.participant_category,
       false, c, CASE WHEN c THEN make_date(g.y, 9, 20) END, CASE WHEN c THEN 'self' END::mw.consent_by,
       CASE WHEN c AND random() < 0.3 THEN 'Иванова Мария Петровна' END,
       t, CASE WHEN t THEN make_date(g.y, 10, 24) END
  FROM gen_report g, generate_series(1, g.n_mentors) i,
       LATERAL (SELECT random() < 0.97 AS c, random() < 0.8 AS t) r;

INSERT INTO mw.report_participant (report_id, pid, role, ord, category, minor, consent_given,
                                   consent_date, consent_by, name)
SELECT g.report_id, 'E' || i, 'mentee', i, cat,
       m, c OR m, CASE WHEN c OR m THEN make_date(g.y, 9, 25) END,
       CASE WHEN m THEN 'guardian' WHEN c THEN 'self' END::mw.consent_by,
       CASE WHEN (c OR m) AND random() < 0.2 THEN 'Петров Иван Сергеевич' END
  FROM gen_report g, generate_series(1, g.n_mentees) i,
       LATERAL (SELECT (ARRAY['student_gifted', 'student_low_results', 'student_disabilities',
                              'student_difficult_situation', 'student_behaviour',
                              'student_disengaged', 'teacher_young_specialist',
                              'teacher_young_specialist', 'teacher_burnout',
                              'teacher_new_to_school', 'teacher_digital_skills'])
                        [1 + floor(random() * 11)::int]::mw.participant_category AS cat,
                        random() < 0.97 AS c) r,
       LATERAL (SELECT r.cat::text LIKE 'student%' AS m) mm;

\echo generate: pairs
-- Meeting cycles by stage, picked at random for each pair.
CREATE TEMP TABLE gen_cycle AS
SELECT st.ord AS stage_ord, k,
       ARRAY(SELECT ROW((ARRAY['organisational', 'trial', 'planning', 'regular', 'regular',
                               'regular', 'regular', 'regular', 'final'])
                            [CASE WHEN st.ord = 3 AND j = n THEN 9 ELSE least(j, 8) END]
                            ::mw.meeting_type,
                        make_date(2000, 10, 1) + j * 14, j % 7 <> 0)::mw.pair_meeting
               FROM generate_series(1, n) j) AS meetings
  FROM (VALUES (1), (2), (3)) AS st(ord), generate_series(0, 3) k,
       LATERAL (SELECT CASE st.ord WHEN 1 THEN 1 + k % 3 WHEN 2 THEN 3 + k ELSE 5 + k END AS n) c;

INSERT INTO mw.report_pair (report_id, pair_no, pair_code, form, status, development_plan,
                            order_number, order_date, mentors, mentees, meetings)
SELECT g.report_id, i, 'P' || i,
       (ARRAY['teacher_teacher', 'teacher_teacher', 'teacher_student', 'teacher_student',
              'student_student', 'employer_student', 'graduate_student', 'parent_student'])
           [1 + floor(random() * 8)::int]::mw.pair_form,
       (ARRAY['formed', 'active', 'active', 'active', 'completed', 'terminated'])
           [CASE WHEN g.stage_ord = 3 THEN 5 ELSE 1 + floor(random() * 4)::int END]::mw.pair_status,
       random() < 0.85, CASE WHEN random() < 0.9 THEN (100 + i)::text END,
       make_date(g.y, 10, 14),
       ARRAY['M' || (1 + (i - 1) % g.n_mentors)], ARRAY['E' || i], c.meetings
  FROM gen_report g
 CROSS JOIN generate_series(1, least(g.n_mentees, g.n_mentors * 2)) i
 CROSS JOIN LATERAL (SELECT floor(random() * 4)::int AS k) pick
  JOIN gen_cycle c ON c.stage_ord = g.stage_ord AND c.k = pick.k;

\echo generate: roadmap, documents, practices, competitions
INSERT INTO mw.report_roadmap_item (report_id, ord, number, title, due_from, due_to, responsible,
                                    status, done_on, evidence)
SELECT g.report_id, i, (1 + i / 5) || '.' || (1 + i % 5),
       (ARRAY['Информирование педагогов, обучающихся и родительского сообщества о подготовке '
              || 'программы наставничества, сбор предварительных запросов',
              'Подготовка и принятие локальных нормативных правовых актов образовательной '
              || 'организации: положение о наставничестве, дорожная карта',
              'Формирование базы наставников и наставляемых с письменного согласия участников',
              'Обучение наставников в «Школе наставников»',
              'Формирование наставнических пар (групп) приказом директора',
              'Проведение промежуточного мониторинга: анкетирование удовлетворённости',
              'Итоговое мероприятие, представление лучших практик наставничества'])
           [1 + i % 7],
       due - 20, due, 'Заместитель директора по УВР', st,
       CASE WHEN st = 'done' THEN due + floor(random() * 40)::int - 30 END,
       CASE WHEN st = 'done' THEN 'Приказ №' || (10 + i) END
  FROM gen_report g, generate_series(1, g.n_roadmap) i,
       LATERAL (SELECT make_date(g.y, 9, 10) + (i * 290 / g.n_roadmap) AS due) d,
       LATERAL (SELECT CASE WHEN random() < 0.02 THEN 'cancelled'
                            WHEN d.due < g.received_at::date - 10 AND random() < 0.85 THEN 'done'
                            WHEN d.due < g.received_at::date THEN 'in_progress'
                            ELSE 'planned' END::mw.roadmap_status AS st) s;

INSERT INTO mw.report_document (report_id, ord, type, title, url)
SELECT g.report_id, i,
       (enum_range(NULL::mw.document_type))[i],
       'Документ о наставничестве №' || i,
       'https://school' || g.school_id || '.example.ru/nastavnichestvo/doc' || i || '.pdf'
  FROM gen_report g, generate_series(1, g.n_documents) i;

INSERT INTO mw.report_practice (report_id, ord, title, submitted_on, url)
SELECT g.report_id, i, 'Практика наставничества «Учитель – ученик» №' || i,
       make_date(g.y, 12, 1), NULL
  FROM gen_report g, generate_series(1, g.n_practices) i;

INSERT INTO mw.report_competition (report_id, ord, name, level, participants, winners)
SELECT g.report_id, i, 'Наставник года', (enum_range(NULL::mw.competition_level))[1 + i % 4],
       1 + i, i % 2
  FROM gen_report g, generate_series(1, g.n_competitions) i;

INSERT INTO mw.report_incentive (report_id, ord, kind, count)
SELECT g.report_id, i, (enum_range(NULL::mw.incentive_kind))[1 + i % 4], 1 + i
  FROM gen_report g, generate_series(1, g.n_incentives) i;

INSERT INTO mw.report_monitoring (report_id, satisfaction_mentors, satisfaction_mentees,
                                  quality, growth_entry, growth_exit)
SELECT report_id, round((60 + random() * 40)::numeric, 1), round((55 + random() * 45)::numeric, 1),
       round((50 + random() * 50)::numeric, 1), round((30 + random() * 30)::numeric, 1),
       CASE WHEN stage_ord = 3 THEN round((50 + random() * 40)::numeric, 1) END
  FROM gen_report
 WHERE stage_ord >= 2 AND random() < 0.8;

\echo generate: website checks
-- Two checks per school (the latest counts): about 15 % of required documents missing,
-- 3 % behind broken links.
INSERT INTO mw.site_check (school_id, checked_at, required, missing, broken, found_count,
                           document_count, error_count, evidence)
SELECT s.id, now() - make_interval(days => c * 180), req,
       ARRAY(SELECT t FROM unnest(req) t WHERE random() < 0.15 AND s.id > 0),
       ARRAY(SELECT t FROM unnest(req) t WHERE random() < 0.03 AND s.id > 0),
       5, 7, 0, '{"generated": true}'
  FROM mw.school s, generate_series(1, 0, -1) c,
       (SELECT '{regulation,roadmap,order_implementation,order_curator,order_pairs,program}'
                   ::mw.document_type[] AS req) r
 ORDER BY c DESC, s.id;

SET session_replication_role = origin;
