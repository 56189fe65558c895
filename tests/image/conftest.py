from tests.support.postgres import postgres_database as postgres_database
