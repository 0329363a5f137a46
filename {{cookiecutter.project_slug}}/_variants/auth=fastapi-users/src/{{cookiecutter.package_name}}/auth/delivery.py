"""How reset and verification tokens reach users: the part a team replaces."""

import logging
from typing import Literal

from ..models import User

logger = logging.getLogger(__name__)

TokenPurpose = Literal["reset-password", "verify"]


async def deliver_token(user: User, purpose: TokenPurpose, token: str) -> None:
    """Send `token` to the user's address, to reset their password or verify the address.

    Replace the body of this function with your mail delivery, keeping its
    signature: the user manager calls it, and nothing else needs to change.
    Until then it only records that a token was issued, so resets and
    verification cannot work.

    - Mail a link to a page of your client that sends the token back:
      `POST /auth/reset-password` with `{"token": ..., "password": ...}` for
      "reset-password", `POST /auth/verify` with `{"token": ...}` for "verify".
    - Queue the mail (a task queue, or your provider's asynchronous API) rather
      than wait for it here, and keep a failure to send out of the answer:
      `POST /auth/forgot-password` answers the same, and as fast, whether the
      address has an account or not, and a slow or failed delivery would tell.
    - Never log the token: it is as good as the password.
    """
    logger.info("%s token issued for user %s", purpose, user.id)
