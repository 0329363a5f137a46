"""The fuzzer's own strategies, loaded by schemathesis from SCHEMATHESIS_HOOKS."""

import schemathesis
from hypothesis import strategies as st

# Addresses under real top-level domains: the service refuses special-use ones
# such as `.test`, as email-validator does, though the `email` format allows them.
schemathesis.openapi.format("email", st.emails())
