"""The apps the generated services are measured against, each serving the same
`GET /notes/{id}`, `GET /notes?limit=&offset=` and `POST /notes` on the same table.

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
