"""The apps the generated services are measured against, each serving the same
`GET /notes/{id}`, `GET /notes?limit=&offset=` and `POST /notes` on the same table
(the FastAPI Users reference app: `GET /notes/{id}` and `POST /notes`, for its users).

Each module has `create_app(url)`, and `app_from_environment()`, the factory uvicorn
serves (`--factory`) with the URL from the environment.
"""

# The cost of the app alone: Starlette on a raw driver (FLOOR_DATABASE_URL).
FLOOR = "benchmarks.apps.floor"
# The cost of the framework alone: FastAPI over the floor's own stores (FLOOR_DATABASE_URL).
FRAMEWORK = "benchmarks.apps.framework"
# What a team writes with each backend's libraries, without the template (DATABASE_URL).
REFERENCES = {
    "orm": "benchmarks.apps.reference_orm",
    "databases": "benchmarks.apps.reference_databases",
}
# What a team writes for accounts as FastAPI Users' documentation teaches (DATABASE_URL),
# served from a virtualenv of its own: its SQLAlchemy adapter pins SQLAlchemy below 2.1.
ACCOUNTS_REFERENCE = "benchmarks.apps.reference_fastapi_users"
ACCOUNTS_REFERENCE_NAME = "reference-fastapi-users"
# What its virtualenv holds, beside the database's driver.
ACCOUNTS_REFERENCE_REQUIREMENTS = ("fastapi-users[sqlalchemy]", "uvicorn[standard]")
DRIVERS = {"postgresql": "asyncpg", "mysql": "asyncmy", "sqlite": "aiosqlite"}
