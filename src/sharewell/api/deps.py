"""Who is calling the API: a personal token or an OAuth2 password-flow token as Bearer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from sharewell import abuse
from sharewell.deps import LimiterDep, SessionDep, SettingsDep, client_address
from sharewell.errors import AuthenticationFailed, PermissionDenied
from sharewell.members import service
from sharewell.members.models import Member
from sharewell.members.service import TokenIdentity

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def optional_identity(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> TokenIdentity | None:
    if not token:
        return None
    identity = service.resolve_api_token(session, token)
    if identity is None:
        raise AuthenticationFailed("The token is unknown, expired or revoked.")
    if request.method not in SAFE_METHODS and not identity.can_write:
        raise PermissionDenied(
            "This token is read-only; create a read-write token to make changes."
        )
    return identity


def required_member(
    identity: Annotated[TokenIdentity | None, Depends(optional_identity)],
) -> Member:
    if identity is None:
        raise AuthenticationFailed(
            "Sign in first: send 'Authorization: Bearer <token>' (create a token in Settings)."
        )
    return identity.member


def optional_member(
    identity: Annotated[TokenIdentity | None, Depends(optional_identity)],
) -> Member | None:
    return identity.member if identity else None


def admin_member(member: Annotated[Member, Depends(required_member)]) -> Member:
    if not member.is_admin:
        raise PermissionDenied("Only administrators may do this.")
    return member


CurrentMember = Annotated[Member, Depends(required_member)]
MaybeMember = Annotated[Member | None, Depends(optional_member)]
AdminMember = Annotated[Member, Depends(admin_member)]


def limited(action: str) -> Any:
    """A route dependency counting one ``action`` (see :mod:`sharewell.abuse`) by the signed-in
    member and their address before the route runs: ``dependencies=[limited("search")]``."""

    def count(
        request: Request, member: CurrentMember, limiter: LimiterDep, settings: SettingsDep
    ) -> None:
        abuse.check(limiter, settings, action, member_id=member.id, client=client_address(request))

    return Depends(count)
