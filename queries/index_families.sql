-- The index families of the catalogue.
SELECT family_code, name_vi, name_en, scale, legal_basis FROM index_family ORDER BY family_code;
