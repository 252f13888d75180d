-- 0002_reports: term reports (raw, versioned), their normalised facts, and meeting events.
-- The fact tables mirror REPORT_FORMAT.md (contract v1) so the district KPIs are plain SQL.
-- Reports are append-only: a correction is a new version; nothing is updated in place.

-- The enumerations of contract v1 (REPORT_FORMAT.md), in the contract's order. Enum types
-- rather than CHECK constraints: checked once on input, 4 bytes a value, and no per-statement
-- constraint setup in the ingest. A contract change adds values with ALTER TYPE ... ADD VALUE.
CREATE TYPE mw.participant_role AS ENUM ('mentor', 'mentee');
CREATE TYPE mw.participant_category AS ENUM (
    -- mentors (seed 003 §4.8)
    'teacher', 'student', 'parent', 'graduate', 'employer_staff', 'entrepreneur', 'veteran',
    -- mentees: students, then teachers (seed 003 §4.6-4.7)
    'student_gifted', 'student_low_results', 'student_disabilities', 'student_difficult_situation',
    'student_behaviour', 'student_disengaged',
    'teacher_young_specialist', 'teacher_burnout', 'teacher_new_to_school', 'teacher_digital_skills');
CREATE TYPE mw.consent_by AS ENUM ('self', 'guardian');
CREATE TYPE mw.pair_form AS ENUM ('teacher_teacher', 'teacher_student', 'student_student',
                                  'employer_student', 'graduate_student', 'parent_student');
CREATE TYPE mw.pair_status AS ENUM ('formed', 'active', 'completed', 'terminated');
CREATE TYPE mw.meeting_type AS ENUM ('organisational', 'trial', 'planning', 'regular', 'final');
CREATE TYPE mw.roadmap_status AS ENUM ('planned', 'in_progress', 'done', 'cancelled');
CREATE TYPE mw.document_type AS ENUM (
    'regulation', 'roadmap', 'order_implementation', 'order_curator', 'order_pairs', 'program',
    'order_mentor_school', 'order_final_event', 'target_model', 'other');
CREATE TYPE mw.competition_level AS ENUM ('school', 'district', 'region', 'federal');
CREATE TYPE mw.incentive_kind AS ENUM ('certificate', 'gratitude', 'payment', 'other');

-- One row per version of a school's report for one academic year and stage.
CREATE TABLE mw.report (
    id              bigserial PRIMARY KEY,
    school_id       bigint NOT NULL REFERENCES mw.school (id),
    academic_year   mw.academic_year NOT NULL,
    stage           mw.stage_name NOT NULL,
    version         int NOT NULL CHECK (version >= 1),
    received_at     timestamptz NOT NULL DEFAULT now(),
    idempotency_key text COLLATE "C" CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    body_sha256     bytea NOT NULL CHECK (length(body_sha256) = 32),
    raw             text NOT NULL,  -- the body exactly as received (given back unchanged)
    comment         text,           -- $.comment
    -- "history of a school": WHERE school_id = $1 [AND academic_year = $2] ORDER BY ...
    CONSTRAINT report_version_uq UNIQUE (school_id, academic_year, stage, version)
);
-- The raw body is large and read rarely: lz4 compresses it at a fraction of pglz's CPU cost.
ALTER TABLE mw.report ALTER COLUMN raw SET COMPRESSION lz4;
CREATE UNIQUE INDEX report_idempotency_key_uq ON mw.report (school_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX report_body_sha256_idx ON mw.report (school_id, body_sha256);

-- The current version of each (school, year, stage). Every new version goes through
-- INSERT ... ON CONFLICT DO UPDATE on this row, so concurrent corrections of one report
-- serialise here and get consecutive versions.
CREATE TABLE mw.report_slot (
    school_id         bigint NOT NULL REFERENCES mw.school (id),
    academic_year     mw.academic_year NOT NULL,
    stage             mw.stage_name NOT NULL,
    current_version   int NOT NULL CHECK (current_version >= 1),
    -- Deferred: the slot is bumped before the report row it points to is inserted.
    current_report_id bigint NOT NULL UNIQUE
                      REFERENCES mw.report (id) DEFERRABLE INITIALLY DEFERRED,
    first_received_at timestamptz NOT NULL, -- receipt of version 1: what "on time" is judged by
    last_received_at  timestamptz NOT NULL,
    PRIMARY KEY (school_id, academic_year, stage)
);
-- "current report of each school of a district for year+stage":
--   FROM mw.school s JOIN mw.report_slot rs ON rs.school_id = s.id
--        AND rs.academic_year = $2 AND rs.stage = $3
--   WHERE s.district_id = $1
-- uses school_district_idx and this primary key.

-- Facts of one report version, keyed by report_id. Array positions are kept (ord, from 1)
-- so a report can be rebuilt in order. No foreign keys to mw.report here: rows are written
-- only by mw.ingest_report in the same subtransaction as their report and never changed, and a
-- per-row RI check would cost more than the rest of the ingest (see the ingest benchmark).

-- $.staff
CREATE TABLE mw.report_staff (
    report_id               bigint PRIMARY KEY,
    teachers_total          int NOT NULL CHECK (teachers_total BETWEEN 0 AND 100000),
    young_teachers          int NOT NULL CHECK (young_teachers BETWEEN 0 AND 100000),
    young_teachers_mentored int NOT NULL CHECK (young_teachers_mentored BETWEEN 0 AND 100000)
);

-- $.mentors[] and $.mentees[]
CREATE TABLE mw.report_participant (
    report_id     bigint NOT NULL,
    pid           text COLLATE "C" NOT NULL, -- pseudonymous id, unique across the report's participants
    role          mw.participant_role NOT NULL,
    ord           int NOT NULL,      -- position in its array
    category      mw.participant_category NOT NULL,
    minor         boolean NOT NULL,
    consent_given boolean,           -- NULL: no consent object in the report
    consent_date  date,
    consent_by    mw.consent_by,
    name          text,              -- only with consent (checked by the collector)
    trained       boolean,           -- mentors only
    trained_on    date,              -- mentors only
    PRIMARY KEY (report_id, pid)
);

-- $.pairs[]. A pair's members and meetings are arrays in its row (one row per pair instead of
-- about seven: the member and meeting rows made up two thirds of all rows written per report);
-- the views mw.report_pair_member and mw.report_meeting below give them back as rows.
-- One element of $.pairs[].meetings[]; attribute names are the contract's member names.
CREATE TYPE mw.pair_meeting AS (type mw.meeting_type, date date, feedback boolean);

CREATE TABLE mw.report_pair (
    report_id        bigint NOT NULL,
    pair_no          int NOT NULL,   -- position in $.pairs (from 1)
    pair_code        text COLLATE "C" NOT NULL,  -- $.pairs[].id as the school calls the pair
    form             mw.pair_form NOT NULL,
    status           mw.pair_status NOT NULL,
    development_plan boolean NOT NULL,
    order_number     text,           -- the director's order that fixed the pair
    order_date       date,
    mentors          text[] COLLATE "C" NOT NULL,          -- pids of report_participant
    mentees          text[] COLLATE "C" NOT NULL,          -- pids of report_participant
    meetings         mw.pair_meeting[] NOT NULL DEFAULT '{}',            -- in the report's order
    PRIMARY KEY (report_id, pair_no)
);

-- $.pairs[].mentors[] and $.pairs[].mentees[] as rows: pid refers to report_participant.
CREATE VIEW mw.report_pair_member AS
SELECT p.report_id, p.pair_no, 'mentor'::mw.participant_role AS role, m.ord::int AS ord, m.pid
  FROM mw.report_pair p, unnest(p.mentors) WITH ORDINALITY AS m(pid, ord)
UNION ALL
SELECT p.report_id, p.pair_no, 'mentee'::mw.participant_role AS role, m.ord::int AS ord, m.pid
  FROM mw.report_pair p, unnest(p.mentees) WITH ORDINALITY AS m(pid, ord);

-- $.pairs[].meetings[] as rows.
CREATE VIEW mw.report_meeting AS
SELECT p.report_id, p.pair_no, m.ord::int AS ord, m.type, m.date AS meeting_date,
       m.feedback
  FROM mw.report_pair p, unnest(p.meetings) WITH ORDINALITY AS m(type, date, feedback, ord);

-- $.monitoring (a row only when the report has the object; absent members are NULL)
CREATE TABLE mw.report_monitoring (
    report_id            bigint PRIMARY KEY,
    satisfaction_mentors numeric CHECK (satisfaction_mentors BETWEEN 0 AND 100),
    satisfaction_mentees numeric CHECK (satisfaction_mentees BETWEEN 0 AND 100),
    quality              numeric CHECK (quality BETWEEN 0 AND 100),
    growth_entry         numeric CHECK (growth_entry BETWEEN 0 AND 100),
    growth_exit          numeric CHECK (growth_exit BETWEEN 0 AND 100)
);

-- $.roadmap[]
CREATE TABLE mw.report_roadmap_item (
    report_id   bigint NOT NULL,
    ord         int NOT NULL,
    number      text NOT NULL,       -- as in the school's roadmap, e.g. "1.4"
    title       text NOT NULL,
    due_from    date,
    due_to      date NOT NULL,
    responsible text,
    status      mw.roadmap_status NOT NULL,
    done_on     date,
    evidence    text,
    PRIMARY KEY (report_id, ord)
);

-- $.documents[]
CREATE TABLE mw.report_document (
    report_id bigint NOT NULL,
    ord       int NOT NULL,
    type      mw.document_type NOT NULL,
    title     text NOT NULL,
    url       text NOT NULL,
    PRIMARY KEY (report_id, ord)
);

-- $.practices[]
CREATE TABLE mw.report_practice (
    report_id    bigint NOT NULL,
    ord          int NOT NULL,
    title        text NOT NULL,
    submitted_on date,
    url          text,
    PRIMARY KEY (report_id, ord)
);

-- $.competitions[]
CREATE TABLE mw.report_competition (
    report_id    bigint NOT NULL,
    ord          int NOT NULL,
    name         text NOT NULL,
    level        mw.competition_level NOT NULL,
    participants int NOT NULL CHECK (participants BETWEEN 0 AND 10000),
    winners      int NOT NULL CHECK (winners BETWEEN 0 AND participants),
    PRIMARY KEY (report_id, ord)
);

-- $.incentives[]
CREATE TABLE mw.report_incentive (
    report_id bigint NOT NULL,
    ord       int NOT NULL,
    kind      mw.incentive_kind NOT NULL,
    count     int NOT NULL CHECK (count BETWEEN 0 AND 10000),
    PRIMARY KEY (report_id, ord)
);

-- The current version of every report, with its school and district: the district's view.
CREATE VIEW mw.report_current AS
SELECT rs.school_id, s.district_id, rs.academic_year, rs.stage, rs.current_version AS version,
       r.id AS report_id, r.received_at, rs.first_received_at, rs.last_received_at
  FROM mw.report_slot rs
  JOIN mw.school s ON s.id = rs.school_id
  JOIN mw.report r ON r.id = rs.current_report_id;

-- POST /api/v1/meetings: one meeting of one pair, sent as it happens.
CREATE TABLE mw.meeting_event (
    id              bigserial PRIMARY KEY,
    school_id       bigint NOT NULL REFERENCES mw.school (id),
    academic_year   mw.academic_year NOT NULL,
    pair_code       text COLLATE "C" NOT NULL CHECK (length(pair_code) BETWEEN 1 AND 64),
    type            mw.meeting_type NOT NULL,
    meeting_date    date NOT NULL,
    feedback        boolean NOT NULL,
    note            text CHECK (length(note) <= 2000),
    received_at     timestamptz NOT NULL DEFAULT now(),
    idempotency_key text COLLATE "C" CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    body_sha256     bytea NOT NULL CHECK (length(body_sha256) = 32)
);
CREATE UNIQUE INDEX meeting_event_idempotency_key_uq ON mw.meeting_event (school_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX meeting_event_body_sha256_idx ON mw.meeting_event (school_id, body_sha256);
CREATE INDEX meeting_event_pair_idx ON mw.meeting_event (school_id, academic_year, pair_code);
