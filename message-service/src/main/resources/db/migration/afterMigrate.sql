-- Runs after every migrate (a Flyway callback, not a versioned migration). When the migration job names the
-- service's own role (CHAT_DB_RUNTIME_ROLE), that role gets DML on what the migrations made, and no DDL: it can
-- read and write rows, not create, alter or drop anything.
DO $$
BEGIN
  IF '${runtime_role}' <> '' THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), '${runtime_role}');
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', current_schema(),
                   '${runtime_role}');
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(),
                   '${runtime_role}');
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I', current_schema(), '${runtime_role}');
  END IF;
END
$$;
