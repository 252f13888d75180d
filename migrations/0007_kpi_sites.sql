-- 0007_kpi_sites: website compliance in the KPIs, from the checker's results: the latest check
-- of each school through 0005's contract view mw.school_site_latest. Not per period: every
-- period's rows show the school's latest check.

-- Replaces 0006's empty stand-in (same columns): sites_checked, sites_compliant and
-- site_compliance of mw.kpi_rows now count the checks.
CREATE OR REPLACE VIEW mw.kpi_school_site AS
SELECT l.school_id, l.compliant
  FROM mw.school_site_latest l;

-- Per document the checker looks for: the schools of the scope whose latest check misses it,
-- or finds it only behind broken links (mw.document_kind gives the codes and their names).
CREATE TYPE mw.kpi_site_document AS (
    document text, document_name text, schools_checked int, schools_missing int,
    schools_broken int, missing_share numeric
);
CREATE FUNCTION mw.kpi_site_documents(p_region bigint, p_district bigint, p_school bigint)
RETURNS SETOF mw.kpi_site_document
LANGUAGE sql STABLE
AS $$
SELECT dk.type::text, dk.title, count(*)::int,
       count(*) FILTER (WHERE dk.type::text = ANY (l.missing))::int,
       count(*) FILTER (WHERE dk.type::text = ANY (l.broken))::int,
       mw.kpi_share(count(*) FILTER (WHERE dk.type::text = ANY (l.missing)), count(*))
  FROM mw.school s
  JOIN mw.district d ON d.id = s.district_id
  JOIN mw.school_site_latest l ON l.school_id = s.id
 CROSS JOIN mw.document_kind dk
 WHERE (p_region IS NULL OR d.region_id = p_region)
   AND (p_district IS NULL OR s.district_id = p_district)
   AND (p_school IS NULL OR s.id = p_school)
 GROUP BY dk.type, dk.title, dk.ord
$$;

CREATE FUNCTION mw.kpi_bi_site_documents() RETURNS SETOF mw.kpi_site_document
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM mw.kpi_site_documents(NULL, NULL, NULL) $$;

-- Each school's latest check, for BI filters by region and district.
CREATE FUNCTION mw.kpi_bi_school_sites()
RETURNS TABLE (region text, region_name text, district text, district_name text, school text,
               school_name text, checked_at timestamptz, section_url text, compliant boolean,
               missing text[], broken text[], found_count int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT rg.code::text, rg.name, d.code::text, d.name, s.code::text, s.name, l.checked_at,
           l.section_url, l.compliant, l.missing, l.broken, l.found_count
      FROM mw.school_site_latest l
      JOIN mw.school s ON s.id = l.school_id
      JOIN mw.district d ON d.id = s.district_id
      JOIN mw.region rg ON rg.id = d.region_id
$$;

CREATE VIEW kpi.site_document AS SELECT * FROM mw.kpi_bi_site_documents();
CREATE VIEW kpi.school_site AS SELECT * FROM mw.kpi_bi_school_sites();
COMMENT ON VIEW kpi.site_document IS
    'Required website documents by how many schools miss them (latest check of each school)';
COMMENT ON VIEW kpi.school_site IS
    'The latest website check of each school: compliant, missing and broken document codes';

INSERT INTO mw.kpi_label (name, label) VALUES
    ('document_name', 'Название документа'),
    ('checked_at', 'Дата проверки сайта'),
    ('section_url', 'Раздел «Наставничество»'),
    ('compliant', 'Сайт без замечаний'),
    ('missing', 'Нет документов'),
    ('broken', 'Неработающие ссылки'),
    ('found_count', 'Найдено документов');
SELECT mw.kpi_publish();
