-- The PAR inspection data model. Loaded by par_dashboard.building.build into data/par.duckdb.
-- Codes are text; every fact row points at a source.

CREATE TABLE source (
    source_id     INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('official_publication', 'inspection_report', 'import_batch', 'synthetic_demo')),
    title         TEXT NOT NULL,
    url           TEXT,
    file          TEXT,
    published_on  DATE,
    note          TEXT
);

-- The two administrative structures: 63 provinces with districts (to 30/6/2025), 34 provinces without (from 1/7/2025).
CREATE TABLE admin_structure (
    structure   TEXT PRIMARY KEY CHECK (structure IN ('S63', 'S34')),
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    legal_basis TEXT
);

CREATE TABLE admin_unit (
    unit_id     TEXT PRIMARY KEY,             -- e.g. S63-P-20, S63-D-180, S63-C-06184, S34-P-20, S34-C-06184, S63-S-20-SNV
    structure   TEXT NOT NULL REFERENCES admin_structure (structure),
    level       TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune', 'department')),
    code        TEXT NOT NULL,                -- the official code (GSO) or, for departments, province code + abbreviation
    name        TEXT NOT NULL,                -- official name with its type: "Tỉnh Lạng Sơn", "Huyện Cao Lộc"
    short_name  TEXT NOT NULL,                -- "Lạng Sơn", "Cao Lộc"
    unit_type   TEXT NOT NULL,                -- Tỉnh, Thành phố, Huyện, Quận, Thị xã, Xã, Phường, Thị trấn, Đặc khu, Sở
    parent_id   TEXT REFERENCES admin_unit (unit_id),
    province_id TEXT REFERENCES admin_unit (unit_id),
    lat         DOUBLE,
    lon         DOUBLE,
    search_key  TEXT NOT NULL,                -- short name folded to ASCII lower case, for diacritic-blind search
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    UNIQUE (structure, level, code)
);

-- Old unit (S63) -> the current unit (S34) it became part of. A province maps whole; a commune may be split.
CREATE TABLE unit_crosswalk (
    old_unit_id TEXT NOT NULL REFERENCES admin_unit (unit_id),
    new_unit_id TEXT NOT NULL REFERENCES admin_unit (unit_id),
    is_default  BOOLEAN NOT NULL,             -- where a unit was split, the part that keeps its seat
    PRIMARY KEY (old_unit_id, new_unit_id)
);

CREATE TABLE par_area (
    area_code TEXT PRIMARY KEY,               -- A1 .. A8
    number    INTEGER NOT NULL UNIQUE,
    name_vi   TEXT NOT NULL,
    name_en   TEXT NOT NULL,
    short_vi  TEXT NOT NULL,
    short_en  TEXT NOT NULL
);

CREATE TABLE index_family (
    family_code TEXT PRIMARY KEY,             -- PAR_INDEX, SIPAS, SI766, PAPI, PCI, OPS
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    scale       TEXT NOT NULL,
    legal_basis TEXT,
    description TEXT
);

CREATE TABLE indicator (
    indicator_code TEXT PRIMARY KEY,
    family_code    TEXT NOT NULL REFERENCES index_family (family_code),
    area_code      TEXT,                      -- 'TOTAL' for an index total, A1..A8 for an area, NULL when not tied to one
    name_vi        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    unit           TEXT NOT NULL CHECK (unit IN ('%', 'points', 'count', 'days')),
    direction      TEXT NOT NULL CHECK (direction IN ('higher', 'lower', 'neutral')),
    definition_vi  TEXT NOT NULL,
    definition_en  TEXT NOT NULL,
    averageable    BOOLEAN NOT NULL,          -- may a plain mean across units be shown? (counts are summed, never averaged)
    min_value      DOUBLE,
    max_value      DOUBLE,
    UNIQUE (family_code, area_code, indicator_code)
);

CREATE TABLE target (
    indicator_code TEXT NOT NULL REFERENCES indicator (indicator_code),
    province_id    TEXT NOT NULL REFERENCES admin_unit (unit_id),
    year           INTEGER NOT NULL,
    target_value   DOUBLE NOT NULL,
    source_id      INTEGER NOT NULL REFERENCES source (source_id),
    PRIMARY KEY (indicator_code, province_id, year)
);

CREATE TABLE inspection_plan (
    plan_id     TEXT PRIMARY KEY,
    number      TEXT,                          -- "80/KH-BCĐCCHC"; NULL when the report does not state it
    issued_on   DATE,
    issuer      TEXT NOT NULL,
    province_id TEXT NOT NULL REFERENCES admin_unit (unit_id),
    year        INTEGER NOT NULL,
    title       TEXT NOT NULL,
    source_id   INTEGER NOT NULL REFERENCES source (source_id)
);

CREATE TABLE inspection (
    inspection_id TEXT PRIMARY KEY,
    plan_id       TEXT REFERENCES inspection_plan (plan_id),
    province_id   TEXT NOT NULL REFERENCES admin_unit (unit_id),
    year          INTEGER NOT NULL,
    team_label    TEXT NOT NULL,               -- "Đoàn kiểm tra số 346", "Đoàn kiểm tra số 1"
    leader_name   TEXT,
    leader_title  TEXT,
    started_on    DATE,                        -- NULL when the report does not give the field dates
    ended_on      DATE,
    field_days    INTEGER,                     -- "kiểm tra thực tế 4 ngày" when only the length is stated
    announced_on  DATE,                        -- the draft-result conference ("công bố dự thảo kết quả")
    source_id     INTEGER NOT NULL REFERENCES source (source_id),
    CHECK (ended_on >= started_on),
    CHECK (started_on IS NOT NULL OR announced_on IS NOT NULL)
);

CREATE TABLE inspection_unit (
    inspection_id TEXT NOT NULL REFERENCES inspection (inspection_id),
    unit_id       TEXT NOT NULL REFERENCES admin_unit (unit_id),
    visited_on    DATE,
    what_checked  TEXT,                        -- "Bộ phận một cửa", "UBND huyện"
    PRIMARY KEY (inspection_id, unit_id)
);

CREATE TABLE finding (
    finding_id      TEXT PRIMARY KEY,
    inspection_id   TEXT NOT NULL REFERENCES inspection (inspection_id),
    unit_id         TEXT REFERENCES admin_unit (unit_id),
    area_code       TEXT REFERENCES par_area (area_code),
    kind            TEXT NOT NULL CHECK (kind IN ('result', 'limitation', 'recommendation')),
    topic           TEXT,                      -- a short code for the kind of issue, to spot recurring limitations
    text            TEXT NOT NULL,
    status          TEXT CHECK (status IN ('open', 'in_progress', 'resolved')),
    status_on       DATE,
    resolved_on     DATE,
    follows_up_id   TEXT REFERENCES finding (finding_id),
    source_id       INTEGER NOT NULL REFERENCES source (source_id),
    CHECK (kind = 'limitation' OR status IS NULL),
    CHECK (status IS DISTINCT FROM 'resolved' OR resolved_on IS NOT NULL)
);

CREATE TABLE indicator_value (
    unit_id        TEXT NOT NULL REFERENCES admin_unit (unit_id),
    indicator_code TEXT NOT NULL REFERENCES indicator (indicator_code),
    year           INTEGER NOT NULL,
    period         TEXT NOT NULL DEFAULT 'Y',  -- 'Y' for the year, 'Q1'..'Q4', 'M01'..'M12', or 'to-date' as reported
    value          DOUBLE NOT NULL,
    inspection_id  TEXT REFERENCES inspection (inspection_id),
    source_id      INTEGER NOT NULL REFERENCES source (source_id),
    PRIMARY KEY (unit_id, indicator_code, year, period)
);

CREATE TABLE score (
    unit_id        TEXT NOT NULL REFERENCES admin_unit (unit_id),
    year           INTEGER NOT NULL,
    family_code    TEXT NOT NULL REFERENCES index_family (family_code),
    area_code      TEXT NOT NULL,              -- 'TOTAL' or A1..A8
    score          DOUBLE,                     -- NULL when only the rank was published
    published_rank INTEGER,
    rank_of        INTEGER,
    tier           TEXT,                       -- a published tier such as "tốt", "khá"
    source_id      INTEGER NOT NULL REFERENCES source (source_id),      -- where the score comes from
    rank_source_id INTEGER REFERENCES source (source_id),               -- where the published rank/tier comes from
    note           TEXT,                                                -- e.g. how a value was derived from a published change
    PRIMARY KEY (unit_id, year, family_code, area_code)
);

-- How a province ranked the units of a level in a year when not all together: the rank group of each unit type
-- (Hải Phòng 2025 ranked its wards apart from its communes and special zones). No row: all of the level together.
-- A province's own index of its units is ranked within that province (and group) only, never across provinces.
CREATE TABLE rank_group (
    province_id TEXT NOT NULL REFERENCES admin_unit (unit_id),
    year        INTEGER NOT NULL,
    level       TEXT NOT NULL,
    unit_type   TEXT NOT NULL,
    rank_group  TEXT NOT NULL,                -- "phường", "xã, đặc khu"
    source_id   INTEGER NOT NULL REFERENCES source (source_id),
    PRIMARY KEY (province_id, year, level, unit_type)
);

-- Published aggregates (national or regional averages, group counts) as stated by their source.
CREATE TABLE published_aggregate (
    family_code TEXT NOT NULL REFERENCES index_family (family_code),
    year        INTEGER NOT NULL,
    aggregate   TEXT NOT NULL,                 -- national_avg_provinces, national_avg, region:<name>, groups_provinces
    value       DOUBLE,
    note        TEXT,
    source_id   INTEGER NOT NULL REFERENCES source (source_id),
    PRIMARY KEY (family_code, year, aggregate)
);

-- The socio-economic region of each province of the 63-province structure (data/seed/regions.csv), named as the
-- published regional averages name it.
CREATE TABLE unit_region (
    unit_id   TEXT PRIMARY KEY REFERENCES admin_unit (unit_id),
    region    TEXT NOT NULL,
    region_vi TEXT NOT NULL,
    region_en TEXT NOT NULL
);

-- What sources state about a year's table as a whole ("57 up, 6 down", "largest increase 9.39", "An Giang last"),
-- each with the words it rests on and its source; one that contradicts another source says so (disagrees_*), and
-- both are kept. `python -m par_dashboard facts` checks every one against the data (par_dashboard/views/facts.py).
CREATE TABLE published_fact (
    fact_id      INTEGER PRIMARY KEY,
    family_code  TEXT NOT NULL,               -- PAR_INDEX, SIPAS, PAPI, PCI (or an index not in the catalogue)
    year         INTEGER NOT NULL,
    kind         TEXT NOT NULL,               -- count_up, max_rise, region_avg, last, bottom_set, ... (views/facts.py)
    level        TEXT NOT NULL,               -- province, commune, department, ministry
    subject      TEXT,                        -- a unit id (';'-joined for a set), an area code or a region
    value        DOUBLE,
    arg          DOUBLE,
    detail       TEXT,
    quote        TEXT NOT NULL,               -- the source's words
    disagrees_vi TEXT,
    disagrees_en TEXT,
    source_id    INTEGER NOT NULL REFERENCES source (source_id)
);

-- One row: bumped by every write, so caches keyed by it see new data at once.
CREATE TABLE data_version (
    version  INTEGER NOT NULL,
    built_at TIMESTAMP NOT NULL,
    note     TEXT
);

-- Every measured value in one shape, for the map, the indicator page and the profiles: index scores
-- (score table, one indicator per family/area) and operational indicators (indicator_value). Where a unit
-- has a real value for an indicator and year (an inspection report, an import) it wins over a demo one,
-- whatever its period: a real "to date" figure is shown, with its period, rather than a synthetic yearly one.
-- The queries read it stored (indicator_fact below); this view is its definition.
CREATE VIEW indicator_fact_live AS
WITH facts AS (
    SELECT s.unit_id, i.indicator_code, s.year, 'Y' AS period, s.score AS value, s.source_id,
           s.published_rank, s.rank_of, s.note, NULL AS inspection_id
    FROM score s
    JOIN indicator i ON i.family_code = s.family_code AND i.area_code = s.area_code
    WHERE i.family_code <> 'OPS' AND s.score IS NOT NULL
    UNION ALL
    SELECT v.unit_id, v.indicator_code, v.year, v.period, v.value, v.source_id,
           NULL, NULL, NULL, v.inspection_id
    FROM indicator_value v
)
SELECT f.*, src.kind AS source_kind
FROM facts f
JOIN source src USING (source_id)
-- (one integer to order by, the same order as the two conditions: 3,3x faster than ordering by the two booleans,
-- 72 ms for the whole view instead of 234 on the default database; every page and profile reads this view)
QUALIFY row_number() OVER (PARTITION BY f.unit_id, f.indicator_code, f.year
                           ORDER BY (src.kind = 'synthetic_demo')::INTEGER * 2 + (f.period <> 'Y')::INTEGER) = 1;

-- indicator_fact_live stored, as every query reads it: computing the view (its de-duplication over every value)
-- was 10-20 ms of each query that read it, a quarter of the ten such queries' time (docs/SCALING.md §0e). It is
-- written again in the transaction of every write (store/fact_table.py, called by store/db.py, the build and the
-- real-only copy), and indicator_fact_made holds the data version it was written at: a file where it is older
-- than the data is written again when opened for writing, and read through the view when opened read-only.
CREATE TABLE indicator_fact AS SELECT * FROM indicator_fact_live WITH NO DATA;

CREATE TABLE indicator_fact_made (
    version INTEGER NOT NULL,                 -- the data version they were written at
    year    INTEGER,                          -- NULL: what every year's rows read (sources' kinds, indicators)
    print   HUGEINT NOT NULL                  -- a sum of hashes of the rows they were made from (store/fact_table.py)
);

-- (finding_followup below: created with the import tables)

-- Imports (par_dashboard/importing/service.py): bookkeeping, not content. Every load is a batch; the facts it
-- writes point to sources of kind 'import_batch' (or 'synthetic_demo' for rows the file marks as such) created
-- with it; the change log holds each written row's key and, for an update, the row as it was, so that rolling the
-- batch back restores exactly the previous state. Rows set aside by a partial load are kept in the quarantine.
-- (IF NOT EXISTS: the import service also creates these in a database built before they existed.)
CREATE TABLE IF NOT EXISTS import_batch (
    batch_id       INTEGER PRIMARY KEY,
    user_name      TEXT NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NOT NULL,
    file_name      TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('loaded', 'partial')),
    added          INTEGER NOT NULL,
    updated        INTEGER NOT NULL,
    unchanged      INTEGER NOT NULL,
    rejected       INTEGER NOT NULL,
    source_id      INTEGER NOT NULL,           -- the batch's own source row (removed by a rollback: no foreign key)
    rolled_back_at TIMESTAMP,
    rolled_back_by TEXT
);

CREATE TABLE IF NOT EXISTS import_change (
    batch_id   INTEGER NOT NULL,
    table_name TEXT NOT NULL,
    row_key    TEXT NOT NULL,                  -- JSON of the row's primary key
    action     TEXT NOT NULL CHECK (action IN ('insert', 'update')),
    previous   TEXT,                           -- JSON of the whole row before an update
    PRIMARY KEY (batch_id, table_name, row_key)
);

CREATE TABLE IF NOT EXISTS import_quarantine (
    batch_id  INTEGER NOT NULL,
    sheet     TEXT NOT NULL,                   -- template sheet key (findings, scores, ...)
    excel_row INTEGER NOT NULL,                -- the row as numbered in the uploaded file
    data      TEXT NOT NULL,                   -- JSON: the row's cells by template column key
    errors    TEXT NOT NULL,                   -- JSON: [{column, code, message_vi, message_en}]
    PRIMARY KEY (batch_id, sheet, excel_row)
);

-- Every write (an import, an accepted draft, a rollback): who, with which role, when, what. Written by
-- par_dashboard/security/auth.py's audit() with the cursor of the write's own transaction, so a write and its audit
-- row are committed together or not at all. Role "cli": the command line (whoever can write the file).
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id  INTEGER PRIMARY KEY,
    "at"      TIMESTAMP NOT NULL,         -- quoted: AT is a keyword in DuckDB
    user_name TEXT NOT NULL,
    role      TEXT NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('import', 'accept_draft', 'rollback', 'restore', 'recover')),
    detail    TEXT NOT NULL                    -- JSON: batch, file, counts, provinces touched
);

-- Remediation follow-up of a limitation or recommendation (kiến nghị): its deadline (hạn khắc phục), the unit
-- responsible, its status, the evidence of closure and when it was last checked. A table of its own, keyed by the
-- finding, rather than more columns on `finding`: a finding is what the inspection report said and keeps its
-- report as its source, while its follow-up changes for months after, comes from other documents (a province's
-- remediation report, an import, an edit on the Dữ liệu page) and has a source of its own; `finding.status` (three
-- values, limitations only) stays what the report recorded. (IF NOT EXISTS and placed with the import tables: the
-- import service creates it in a database built before it existed, par_dashboard/views/followup.py reads around it.)
CREATE TABLE IF NOT EXISTS finding_followup (
    finding_id      TEXT PRIMARY KEY REFERENCES finding (finding_id),
    deadline        DATE,                      -- hạn khắc phục
    responsible     TEXT,                      -- the unit responsible for the fix, as written
    status          TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'not_feasible')),
    evidence_text   TEXT,                      -- what shows the fix (a report, a decision, a system in use)
    evidence_number TEXT,                      -- its document number ("125/BC-UBND")
    evidence_date   DATE,                      -- its date: the day the item counts as closed
    checked_on      DATE,                      -- when the follow-up was last checked (a re-inspection, a report)
    source_id       INTEGER NOT NULL REFERENCES source (source_id)
);
