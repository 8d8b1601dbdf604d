-- SQL that several queries/*.sql share, defined once: DuckDB macros, which the queries call by name. A macro is
-- expanded into the query that calls it before the query is planned, so a query runs as if the step were written
-- out in it; its arguments are the query's own bound parameters ($year, $provinces, ...), never text put together.
--
-- Made with the schema by the build, and on opening a database file that lacks them or holds an earlier version
-- (par_dashboard/store/schema.py, prepare_macros: stored in the file when it is opened for writing, with
-- par_macros_version() that names this version of the file; else made for each cursor as temporary macros, those
-- its query calls), and in the lake's in-memory database (store/lake.py). Here and not in schema.sql:
-- this file is run in all three places, where schema.sql (its CREATE TABLEs) is run only on a new file; and not
-- in queries/, where every file is one query that the lake, the hardening and scripts/lake_check.py run.
--
-- Only `CREATE OR REPLACE MACRO` statements, each ending with ';' at the end of a line. Parameters are named p_...:
-- inside a macro a parameter hides a column of the same name (a parameter `year` would turn `year = 2024` into a
-- comparison of the argument).

-- Text folded for diacritic-blind search, as par_dashboard.domain.units.fold folds it in Python: lower-case ASCII
-- without diacritics, spacing or punctuation ('Đắk Song' -> 'daksong'); NULL stays NULL.
CREATE OR REPLACE MACRO fold_text(p_text) AS
    regexp_replace(lower(strip_accents(replace(replace(p_text, 'Đ', 'D'), 'đ', 'd'))), '[^a-z0-9]', '', 'g');

-- Whether p_value is one of the chosen p_values; an empty choice is no filter (every value is in it).
CREATE OR REPLACE MACRO in_choice(p_values, p_value) AS
    (len(p_values) = 0 OR list_contains(p_values, p_value));

-- The inspections of a selection on the inspections page (and its totals, findings, downloads and deck): those of
-- p_year in the provinces p_provinces, narrowed to those that visited one of the units p_units (empty lists: no filter).
CREATE OR REPLACE MACRO selected_inspections(p_year, p_provinces, p_units) AS TABLE
    SELECT i.*
    FROM inspection i
    WHERE i.year = p_year
      AND in_choice(p_provinces, i.province_id)
      AND (len(p_units) = 0 OR i.inspection_id IN (
          SELECT inspection_id FROM inspection_unit WHERE list_contains(p_units, unit_id)));

-- The findings of selected_inspections(p_year, p_provinces, p_units) tied to one of p_units or to no unit (a finding
-- tied to another unit is left out), of PAR area p_area ('TOTAL' = all), kind p_kind and status p_status ('' = all).
CREATE OR REPLACE MACRO selected_findings(p_year, p_provinces, p_units, p_area, p_kind, p_status) AS TABLE
    SELECT f.*
    FROM finding f
    JOIN selected_inspections(p_year, p_provinces, p_units) i USING (inspection_id)
    WHERE (len(p_units) = 0 OR f.unit_id IS NULL OR list_contains(p_units, f.unit_id))
      AND (p_area = 'TOTAL' OR f.area_code = p_area)
      AND (p_kind = '' OR f.kind = p_kind)
      AND (p_status = '' OR f.status = p_status);

-- Whether a finding is in the scope of the follow-up page and of remedied and recurring limitations (of any year):
-- its inspection's province p_province_id one of p_provinces, its unit p_unit_id one of p_units (empty lists: no
-- filter; with units chosen, a finding tied to no unit is out), its PAR area p_area_code p_area ('TOTAL' = all).
-- A condition rather than a set of findings: each of these queries joins the inspection already, and a set would
-- read the findings a second time (finding_recurring_limitation.sql took 1.2-1.4 times as long).
CREATE OR REPLACE MACRO finding_in_scope(p_provinces, p_units, p_area, p_province_id, p_unit_id, p_area_code) AS
    in_choice(p_provinces, p_province_id) AND in_choice(p_units, p_unit_id) AND (p_area = 'TOTAL' OR p_area_code = p_area);

-- The group of units a unit is compared with and ranked among (its peers, itself included): every province of its
-- structure for a province; the units of its level and structure in its province otherwise. NULL (no peers, not even
-- itself) for a unit below a province that names no province. Units whose keys are equal are peers.
CREATE OR REPLACE MACRO peer_group(p_level, p_structure, p_province_id) AS
    CASE WHEN p_level = 'province' THEN p_level || '|' || p_structure ELSE p_level || '|' || p_structure || '|' || p_province_id END;

-- Every unit (subject_id) with each of its peers (the peer's admin_unit columns; itself included). Joined on
-- subject_id, the rows of the subjects asked for only are made.
CREATE OR REPLACE MACRO unit_peer_pairs() AS TABLE
    SELECT s.unit_id AS subject_id, u.*
    FROM admin_unit s
    JOIN admin_unit u ON peer_group(u.level, u.structure, u.province_id) = peer_group(s.level, s.structure, s.province_id);

-- The peers of the unit p_unit_id (itself included).
CREATE OR REPLACE MACRO unit_peers(p_unit_id) AS TABLE
    SELECT * EXCLUDE (subject_id) FROM unit_peer_pairs() WHERE subject_id = p_unit_id;

-- The units of level p_level shown for the structure p_structure ('S34' shows the old S63 units too: the years
-- before the switch), within the province p_province_id ('' = the whole country; ignored for provinces; a current
-- province takes in the units of the old provinces it was formed from): the indicators page's scope.
CREATE OR REPLACE MACRO units_in_scope(p_level, p_structure, p_province_id) AS TABLE
    SELECT u.*
    FROM admin_unit u
    WHERE u.level = p_level
      AND (u.structure = p_structure OR (p_structure = 'S34' AND u.structure = 'S63'))
      AND (p_province_id = '' OR p_level = 'province'
           OR u.province_id = p_province_id
           OR u.province_id IN (SELECT old_unit_id FROM unit_crosswalk WHERE new_unit_id = p_province_id));

-- The units whose inspections count for the unit p_unit_id on its profile: the unit, and for a current unit the
-- old units merged into it, with every unit under any of them (the communes of a district, every unit of a province).
CREATE OR REPLACE MACRO units_covered(p_unit_id) AS TABLE
    WITH family AS (
        SELECT p_unit_id AS unit_id
        UNION
        SELECT old_unit_id FROM unit_crosswalk WHERE new_unit_id = p_unit_id
    )
    SELECT DISTINCT u.unit_id
    FROM admin_unit u JOIN family f ON u.unit_id = f.unit_id OR u.parent_id = f.unit_id OR u.province_id = f.unit_id;
