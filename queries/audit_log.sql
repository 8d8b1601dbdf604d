-- The audit log, newest first: every write with who, their role, when and what (detail is JSON).
SELECT audit_id, "at", user_name, role, action, detail
FROM audit_log
ORDER BY audit_id DESC
LIMIT $limit;
