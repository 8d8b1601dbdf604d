-- Districts, communes or departments of a province (of either structure), for cascading selectors.
SELECT unit_id, name, short_name, unit_type, parent_id
FROM admin_unit
WHERE province_id = $province_id AND level = $level
  AND ($parent_id = '' OR parent_id = $parent_id)
ORDER BY search_key, short_name, unit_id;  -- folded name: "Đ" sorts with "D", not after "Z" (unit_id: names repeat)
