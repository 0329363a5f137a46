"""The {{ cookiecutter.project_slug }} service: an async FastAPI app on a SQL database."""
