-- What the app's database user may do on PostgreSQL, run by the tables' owner after every `migrate`
-- (tests/journey/test_audit_chain.py runs this very file against a throwaway role).
--   tracker_owner  owns the schema and the tables, runs `migrate`; the app never connects as it.
--   tracker_app    the app (gunicorn, and every other management command): rows only, no DDL.
-- The audit table is append-only for the app: read and insert, never UPDATE, DELETE or TRUNCATE. The
-- triggers refuse those too; privileges are the second wall, and only the owner could drop the triggers.
GRANT USAGE ON SCHEMA public TO tracker_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tracker_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tracker_app;
REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON journey_auditentry FROM tracker_app;
