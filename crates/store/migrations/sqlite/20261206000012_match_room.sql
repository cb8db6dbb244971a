-- A page fill setting for PostgreSQL's match rows; SQLite has no such setting.
SELECT 1;
