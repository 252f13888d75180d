-- 0004: report_slot.current_report_id loses its UNIQUE constraint. Nothing looks a slot up by
-- its report (the history and current-report queries go by school, year and stage), and an
-- index on a column every correction changes made each slot update a non-HOT update that
-- also wrote both slot indexes. The foreign key to mw.report stays.
ALTER TABLE mw.report_slot DROP CONSTRAINT report_slot_current_report_id_key;
-- Room on each page for the new row version of a HOT update (a slot is rewritten by every
-- correction; the table is small: one row per school, year and stage).
ALTER TABLE mw.report_slot SET (fillfactor = 70);
