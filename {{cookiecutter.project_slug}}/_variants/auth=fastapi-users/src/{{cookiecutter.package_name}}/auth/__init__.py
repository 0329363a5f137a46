"""Accounts and access tokens, through FastAPI Users.

Everything the service does about authentication is in this package, one job
per module:

- settings.py: `AuthSettings`, the key that signs tokens and how long they last.
- schemas.py: the users clients send and receive, and the rule for passwords.
- manager.py: `UserManager`, FastAPI Users' rules for accounts, and the password
  hashing, which runs in threads and never inside a unit of work.
- delivery.py: `deliver_token`, which sends reset and verification tokens to
  users; replace it with your mail delivery.
- routes.py: the routes, the signed-in user they ask for, and their
  documentation in the OpenAPI schema.
- users.py: the user store of FastAPI Users, on the service's database.
- attempts.py: limits on attempts to log in, register and ask for a reset.
- superuser.py: the command that creates the first superuser.

The rest of the service uses four names, the contract to keep when moving to
another library: `settings.AuthSettings` (part of the service's settings),
`routes.install_auth` (main.py), `routes.CurrentUser` (how routes ask for the
signed-in user) and `routes.UNAUTHORIZED` (the 401 documented on those routes).
FastAPI Users is in maintenance mode upstream: it gets security and dependency
fixes, no new features.
"""
