-- Benchmark fixture for mw.ingest_report (see bench_ingest.sh): N schools with a token each
-- (token text 'bench-<code>') and one realistic ~20 KB term report per school, built here in
-- SQL (compact JSON text) so the benchmark needs nothing but psql and pgbench. Run on a migrated database:
--   psql -v schools=2000 -f bench_setup.sql
-- Shape per report: 25 mentors, 35 mentees, 30 pairs (60 pair members), 150 meetings,
-- 30 roadmap items, 9 documents, 2 practices, 2 competitions, 2 incentives, monitoring.
\set ON_ERROR_STOP on
\if :{?schools}
\else
\set schools 2000
\endif

CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.body;

INSERT INTO mw.region (code, name) VALUES ('bench', 'Бенчмарк-регион') ON CONFLICT DO NOTHING;
INSERT INTO mw.district (region_id, code, name)
SELECT id, 'bench-district', 'Бенчмарк-район' FROM mw.region WHERE code = 'bench'
ON CONFLICT DO NOTHING;
INSERT INTO mw.school (district_id, code, name, website)
SELECT d.id, 'B' || lpad(n::text, 5, '0'), 'МБОУ СОШ № ' || n, 'https://school' || n || '.example.ru'
  FROM mw.district d, generate_series(1, :schools) n
 WHERE d.code = 'bench-district'
ON CONFLICT DO NOTHING;
INSERT INTO mw.api_token (token_hash, role, school_id, label)
SELECT sha256(convert_to('bench-' || s.code, 'UTF8')), 'school', s.id, 'bench'
  FROM mw.school s WHERE s.code LIKE 'B%'
ON CONFLICT DO NOTHING;
INSERT INTO mw.stage (district_id, academic_year, stage, deadline)
SELECT id, '2024/2025', 'entry', '2030-12-31 23:59:59+03' FROM mw.district WHERE code = 'bench-district'
ON CONFLICT DO NOTHING;

CREATE TABLE bench.body AS
SELECT n, sha256(convert_to('bench-' || code, 'UTF8')) AS token_hash, body,
       sha256(convert_to(body, 'UTF8')) AS body_sha256
  FROM (
SELECT n, code, replace(replace(replace(jsonb_build_object(
  'school', code, 'academic_year', '2024/2025', 'stage', 'entry',
  'staff', jsonb_build_object('teachers_total', 84, 'young_teachers', 14,
                              'young_teachers_mentored', 9),
  'mentors', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
        'id', 'M' || i,
        'category', (ARRAY['teacher','student','parent','graduate','employer_staff',
                           'entrepreneur','veteran'])[1 + i % 7],
        'minor', false,
        'consent', jsonb_build_object('given', true, 'date', '2024-09-0' || (1 + i % 9), 'by', 'self'),
        'name', 'Иванова М. П. ' || i,
        'trained', i % 4 <> 0,
        'trained_on', CASE WHEN i % 4 <> 0 THEN '2024-09-2' || (i % 9) END)))
      FROM generate_series(1, 25) i),
  'mentees', (SELECT jsonb_agg(jsonb_build_object(
        'id', 'S' || i,
        'category', (ARRAY['student_gifted','student_low_results','student_disabilities',
                           'student_difficult_situation','student_behaviour','student_disengaged',
                           'teacher_young_specialist','teacher_burnout','teacher_new_to_school',
                           'teacher_digital_skills'])[1 + i % 10],
        'minor', i % 10 < 6,
        'consent', jsonb_build_object('given', true, 'date', '2024-09-1' || (i % 9),
                                      'by', CASE WHEN i % 10 < 6 THEN 'guardian' ELSE 'self' END)))
      FROM generate_series(1, 35) i),
  'pairs', (SELECT jsonb_agg(jsonb_build_object(
        'id', 'P' || p,
        'form', CASE WHEN p % 3 = 0 THEN 'teacher_teacher' WHEN p % 3 = 1 THEN 'teacher_student'
                     ELSE 'student_student' END,
        'mentors', jsonb_build_array('M' || (1 + p % 25)),
        'mentees', CASE WHEN p <= 5 THEN jsonb_build_array('S' || p, 'S' || (p + 30))
                        ELSE jsonb_build_array('S' || p) END,
        'order', jsonb_build_object('number', '14-а/' || p, 'date', '2024-10-01'),
        'status', 'active',
        'development_plan', true,
        'meetings', (SELECT jsonb_agg(jsonb_build_object(
              'type', (ARRAY['organisational','trial','planning','regular','final'])[k],
              'date', '2024-1' || (k % 3) || '-1' || k, 'feedback', k <> 3))
            FROM generate_series(1, 5) k)))
      FROM generate_series(1, 30) p),
  'monitoring', jsonb_build_object('satisfaction_mentors', 87.5, 'satisfaction_mentees', 91,
                                   'quality', 78, 'growth_entry', 42, 'growth_exit', 63),
  'roadmap', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
        'number', '1.' || r,
        'title', 'Мероприятие ' || r || ' по внедрению целевой модели',
        'due_from', '2024-09-01', 'due_to', '2025-0' || (1 + r % 5) || '-28',
        'responsible', 'Зам. директора',
        'status', CASE WHEN r % 3 = 0 THEN 'done' ELSE 'planned' END,
        'done_on', CASE WHEN r % 3 = 0 THEN '2024-10-15' END,
        'evidence', CASE WHEN r % 3 = 0 THEN 'Приказ № ' || r END)))
      FROM generate_series(1, 30) r),
  'documents', (SELECT jsonb_agg(jsonb_build_object('type', t, 'title', 'Документ: ' || t,
        'url', 'https://school' || n || '.example.ru/nastavnichestvo/' || t || '.pdf'))
      FROM unnest(ARRAY['regulation','roadmap','order_implementation','order_curator',
                        'order_pairs','program','order_mentor_school','order_final_event',
                        'target_model']) t),
  'practices', jsonb_build_array(
        jsonb_build_object('title', 'Кейс «Наставник и молодой педагог»', 'submitted_on', '2024-11-01'),
        jsonb_build_object('title', 'Клуб юных исследователей', 'url', 'https://example.ru/p2')),
  'competitions', jsonb_build_array(
        jsonb_build_object('name', 'Наставник года', 'level', 'district', 'participants', 3, 'winners', 1),
        jsonb_build_object('name', 'Лучшая пара', 'level', 'school', 'participants', 6, 'winners', 2)),
  'incentives', jsonb_build_array(jsonb_build_object('kind', 'certificate', 'count', 5),
                                  jsonb_build_object('kind', 'payment', 'count', 2)),
  'comment', 'Отчёт сформирован информационной системой школы'
)::text, '": ', '":'), ', "', ',"'), ', {', ',{') AS body
  FROM (SELECT n, 'B' || lpad(n::text, 5, '0') AS code FROM generate_series(1, :schools) n) s
) b;
ALTER TABLE bench.body ADD PRIMARY KEY (n);
SELECT count(*) AS bodies, avg(octet_length(body))::int AS avg_bytes FROM bench.body;
