-- The 8 PAR areas.
SELECT area_code, number, name_vi, name_en, short_vi, short_en FROM par_area ORDER BY number;
