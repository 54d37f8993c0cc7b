"""OpenID Connect client (Authlib + joserfc): discovery, the authorization-code flow with PKCE
and nonce, and ID-token validation (signature against the provider's JWKS, issuer, audience,
expiry, nonce). It talks to the network and nothing else; what a sign-in may *do* is decided in
``rules.decide_link`` and applied in ``service.provider_sign_in``."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from sharewell.accounts.rules import ProviderClaims
from sharewell.errors import AuthenticationFailed, SharewellError

SCOPE = "openid email profile"
METADATA_TTL = 600.0
TIMEOUT = 10.0


class ProviderUnavailable(SharewellError):
    """The provider did not answer as OpenID Connect says (network, metadata, token)."""

    status = 502
    title = "Provider unavailable"


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    name: str


@dataclass(frozen=True)
class FlowStart:
    url: str
    state: str
    nonce: str
    code_verifier: str


_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def _get_json(url: str, name: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=TIMEOUT, follow_redirects=False)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(
            f"{name} did not answer properly ({type(exc).__name__})."
        ) from exc
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{name} sent something that is not OpenID Connect metadata.")
    return data


def discover(config: ProviderConfig) -> dict[str, Any]:
    with _cache_lock:
        hit = _cache.get(config.issuer)
        if hit and time.monotonic() - hit[0] < METADATA_TTL:
            return hit[1]
    meta = _get_json(f"{config.issuer}/.well-known/openid-configuration", config.name)
    if meta.get("issuer", "").rstrip("/") != config.issuer.rstrip("/"):
        raise ProviderUnavailable(f"{config.name}'s metadata names another issuer.")
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(meta.get(field), str):
            raise ProviderUnavailable(f"{config.name}'s metadata lacks {field}.")
    with _cache_lock:
        _cache[config.issuer] = (time.monotonic(), meta)
    return meta


def _client(config: ProviderConfig) -> OAuth2Client:
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=SCOPE,
        redirect_uri=config.redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )


def start(config: ProviderConfig) -> FlowStart:
    meta = discover(config)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48)
    with _client(config) as client:
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
        )
    return FlowStart(url=url, state=state, nonce=nonce, code_verifier=verifier)


def finish(config: ProviderConfig, *, code: str, code_verifier: str, nonce: str) -> ProviderClaims:
    """Exchange the code, validate the ID token and return what it says about the person."""
    meta = discover(config)
    try:
        with _client(config) as client:
            token = client.fetch_token(
                meta["token_endpoint"], code=code, code_verifier=code_verifier,
                grant_type="authorization_code",
            )  # fmt: skip
    except Exception as exc:  # Authlib raises OAuthError, httpx its own: both mean "no token"
        raise AuthenticationFailed(
            f"{config.name} did not accept the sign-in ({type(exc).__name__}). Try again."
        ) from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise ProviderUnavailable(f"{config.name} sent no ID token.")
    keys = KeySet.import_key_set(_get_json(meta["jwks_uri"], config.name))  # type: ignore[arg-type]
    try:
        decoded = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256", "EdDSA"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": config.issuer},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
            leeway=60,
        ).validate(decoded.claims)
    except (JoseError, ValueError) as exc:
        raise AuthenticationFailed(
            f"{config.name}'s ID token did not check out ({type(exc).__name__})."
        ) from exc
    claims = dict(decoded.claims)
    aud = claims.get("aud")
    if config.client_id not in (aud if isinstance(aud, list) else [aud]):
        raise AuthenticationFailed(f"{config.name}'s ID token was made for another client.")
    if "email" not in claims and isinstance(meta.get("userinfo_endpoint"), str):
        try:
            info = httpx.get(
                meta["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {token['access_token']}"},
                timeout=TIMEOUT,
            ).json()
        except (httpx.HTTPError, ValueError, KeyError):
            info = {}
        if isinstance(info, dict) and info.get("sub") == claims["sub"]:
            claims.update(
                {k: v for k, v in info.items() if k in ("email", "email_verified", "name")}
            )
    email = claims.get("email")
    return ProviderClaims(
        subject=str(claims["sub"])[:255],
        email=email if isinstance(email, str) and email else None,
        email_verified=claims.get("email_verified") is True,
        name=str(claims.get("name") or claims.get("preferred_username") or "")[:100],
    )
