from __future__ import annotations

from collections.abc import Iterator

import pytest
from oidc_provider_mock import run_server_in_thread
from sqlalchemy.orm import Session

from sharewell.accounts import service
from sharewell.accounts.models import OidcProvider
from sharewell.accounts.schemas import ProviderIn


@pytest.fixture(scope="session")
def oidc_provider_url() -> Iterator[str]:
    """A real OpenID Connect provider (oidc-provider-mock) on a free loopback port."""
    with run_server_in_thread(port=0) as server:
        yield f"http://localhost:{server.server_port}"


def add_provider(db: Session, url: str, slug: str = "mock", trusted: bool = False) -> OidcProvider:
    provider = service.add_provider(
        db,
        ProviderIn(
            slug=slug,
            name="Mock ID",
            issuer=url,
            client_id="sharewell-test",
            client_secret="s3cret",
            trusted_for_email=trusted,
        ),
    )
    db.commit()
    return provider
