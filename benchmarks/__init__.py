"""The template's benchmark: each generated service against a floor, FastAPI alone and a
reference app.

`bash benchmarks/setup` installs what it needs; `python -m benchmarks` runs it from the
repository's root (`--help` lists the options).
"""
