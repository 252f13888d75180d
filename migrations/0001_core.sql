-- 0001_core: the hierarchy (region -> district -> school), stage deadlines and API tokens.
-- Everything of mentorwatch lives in schema mw. The migration runner wraps this file in
-- one transaction together with its row in public.mw_schema_migrations: no BEGIN/COMMIT here.

CREATE SCHEMA mw;
COMMENT ON SCHEMA mw IS 'mentorwatch: district monitoring of school mentoring programmes';

-- Codes are stable machine identifiers (URLs, tokens, CSV exports); names are what people read.
-- mwctl derives a region's or district's code from its name when it creates one
-- (transliterated, lower case, e.g. "Октябрьский район" -> "oktyabrskiy-rayon"); a code never
-- changes afterwards, a name may.
CREATE DOMAIN mw.code AS text COLLATE "C" CHECK (VALUE ~ '^[A-Za-z0-9_-]{1,32}$');
CREATE DOMAIN mw.academic_year AS text COLLATE "C"
    CHECK (VALUE ~ '^[0-9]{4}/[0-9]{4}$'
           AND substr(VALUE, 6, 4)::int = substr(VALUE, 1, 4)::int + 1);
-- Enumerations of contract v1 are enum types: checked on input, 4 bytes, ordered as listed.
CREATE TYPE mw.stage_name AS ENUM ('entry', 'intermediate', 'final');

CREATE TABLE mw.region (
    id         bigserial PRIMARY KEY,
    code       mw.code NOT NULL UNIQUE,
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 500),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mw.district (
    id         bigserial PRIMARY KEY,
    region_id  bigint NOT NULL REFERENCES mw.region (id),
    code       mw.code NOT NULL UNIQUE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (region_id, name)
);

CREATE TABLE mw.school (
    id          bigserial PRIMARY KEY,
    district_id bigint NOT NULL REFERENCES mw.district (id),
    code        mw.code NOT NULL UNIQUE,      -- the "school" of every report and meeting event
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 1000),
    website     text CHECK (website ~ '^https?://'),
    section_url text CHECK (section_url ~ '^https?://'), -- the «Наставничество» section, once found
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX school_district_idx ON mw.school (district_id);

-- The deadline of one stage of one academic year, set by the district.
-- A report is on time when received_at <= deadline. mwctl stores a date-only deadline as
-- 23:59:59.999999 of that day in the district's time zone.
CREATE TABLE mw.stage (
    id            bigserial PRIMARY KEY,
    district_id   bigint NOT NULL REFERENCES mw.district (id),
    academic_year mw.academic_year NOT NULL,
    stage         mw.stage_name NOT NULL,
    deadline      timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (district_id, academic_year, stage)
);

-- API tokens: the token text is shown once by `mwctl token issue`; only its SHA-256 is kept.
-- The scope column matching the role is set and the others are NULL.
CREATE TABLE mw.api_token (
    id          bigserial PRIMARY KEY,
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    role        text NOT NULL CHECK (role IN ('school', 'district', 'region', 'admin')),
    region_id   bigint REFERENCES mw.region (id),
    district_id bigint REFERENCES mw.district (id),
    school_id   bigint REFERENCES mw.school (id),
    label       text CHECK (length(label) <= 500),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CONSTRAINT api_token_scope CHECK (CASE role
        WHEN 'school'   THEN school_id IS NOT NULL AND district_id IS NULL AND region_id IS NULL
        WHEN 'district' THEN district_id IS NOT NULL AND school_id IS NULL AND region_id IS NULL
        WHEN 'region'   THEN region_id IS NOT NULL AND school_id IS NULL AND district_id IS NULL
        WHEN 'admin'    THEN region_id IS NULL AND district_id IS NULL AND school_id IS NULL
    END),
    CONSTRAINT api_token_revoked_after_created CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);
CREATE INDEX api_token_school_idx ON mw.api_token (school_id) WHERE school_id IS NOT NULL;
CREATE INDEX api_token_district_idx ON mw.api_token (district_id) WHERE district_id IS NOT NULL;
CREATE INDEX api_token_region_idx ON mw.api_token (region_id) WHERE region_id IS NOT NULL;
