-- The ingest benchmark's database fixture (tests/bench/bench_ingest.sh), run after
-- `mwctl migrate` and `mwctl load-schools`, once bench.report_src and bench.meeting_src hold
-- make_fixture.py's reports.tsv and meetings.tsv (code, token, JSON with "@@SEQ@@" once):
--   * a school token per school: mw.api_token.token_hash = sha256 of the token text, as
--     `mwctl token issue` stores it (token_hash() in common/token.c);
--   * bench.report_doc and bench.meeting_doc: the same documents split at "@@SEQ@@", for the
--     pgbench ceiling (ingest_report.pgbench, ingest_meeting.pgbench), n = the line number;
--   * bench.reset(): empties every table the ingest writes, between runs.
\set ON_ERROR_STOP on

INSERT INTO mw.api_token (token_hash, role, school_id, label)
SELECT sha256(convert_to(src.token, 'UTF8')), 'school', s.id, 'bench'
  FROM bench.report_src src
  JOIN mw.school s ON s.code = src.code
ON CONFLICT (token_hash) DO NOTHING;

-- lz4 as for mw.report.raw: reading a document back costs pgbench a few µs, not pglz's ~50.
CREATE TABLE bench.report_doc (n int PRIMARY KEY, code text NOT NULL, token_hash bytea NOT NULL,
                               pre text COMPRESSION lz4 NOT NULL, post text COMPRESSION lz4 NOT NULL);
INSERT INTO bench.report_doc
SELECT row_number() OVER (ORDER BY code), code, sha256(convert_to(token, 'UTF8')),
       split_part(body, '@@SEQ@@', 1), split_part(body, '@@SEQ@@', 2)
  FROM bench.report_src;

CREATE TABLE bench.meeting_doc (LIKE bench.report_doc INCLUDING ALL);
INSERT INTO bench.meeting_doc
SELECT row_number() OVER (ORDER BY code), code, sha256(convert_to(token, 'UTF8')),
       split_part(body, '@@SEQ@@', 1), split_part(body, '@@SEQ@@', 2)
  FROM bench.meeting_src;

-- Every table mw.ingest_report and mw.ingest_meeting write (the KPI summary rows and district
-- sums too), emptied before each measured run so that every run starts from the same database.
CREATE FUNCTION bench.reset() RETURNS void LANGUAGE sql AS $$
    TRUNCATE mw.report_slot, mw.report, mw.report_staff, mw.report_participant,
             mw.report_pair, mw.report_monitoring, mw.report_roadmap_item,
             mw.report_document, mw.report_practice, mw.report_competition,
             mw.report_incentive, mw.meeting_event, mw.kpi_report, mw.kpi_district_period;
$$;

ANALYZE bench.report_doc, bench.meeting_doc, mw.api_token, mw.school;
SELECT (SELECT count(*) FROM mw.api_token WHERE label = 'bench') AS tokens,
       (SELECT count(*) FROM bench.report_doc) AS reports,
       (SELECT avg(octet_length(pre) + octet_length(post))::int FROM bench.report_doc) AS report_bytes,
       (SELECT count(*) FROM bench.meeting_doc) AS meetings;
