-- A page fill setting for PostgreSQL's participant rows; SQLite has no such setting.
SELECT 1;
