"""`her2lesson serve --hub`: the lesson as a JupyterHub-managed service, behind the hub's login.

JupyterHub starts the server with its service environment (JUPYTERHUB_API_TOKEN, JUPYTERHUB_SERVICE_PREFIX,
JUPYTERHUB_CLIENT_ID, ...). Every route that is a Jupyter handler (the page, the kernel's API and websocket, the
shutdown beacon, the widget extensions' files) then asks the hub who the visitor is, through JupyterHub's own OAuth
client (HubOAuth, as JupyterHub's single-user servers do); a visitor not signed in is sent to the hub's login and back.
The hub user becomes the learner (identity.py): their one-way key goes to their kernel, never their name.

Only the server imports this module (and so jupyterhub), and only with --hub.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from jupyterhub.singleuser.extension import (
    JupyterHubAuthorizer,
    JupyterHubIdentityProvider,
    JupyterHubOAuthCallbackHandler,
)
from jupyterhub.utils import url_path_join
from traitlets import Unicode

from .identity import SECRET_ENV, ExternalLearner, learner_key, secret_from_env

log = logging.getLogger("her2lesson.server")

TOKEN_ENVS = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")  # the service's credential with the hub
NEEDED_ENVS = ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_CLIENT_ID", "JUPYTERHUB_API_URL")

__all__ = ["HubAuthorizer", "HubIdentity", "hub_learner", "missing_environment", "take_secrets"]


class HubIdentity(JupyterHubIdentityProvider):
    """JupyterHub's identity provider for Jupyter servers, as a service's: no login token of its own (the hub's OAuth
    is the only way in), and its OAuth callback under the service's prefix."""

    token = Unicode("")  # Voila hands every identity provider a token; here there is none to print or accept

    def get_handlers(self) -> list:
        return [(url_path_join(self.hub_auth.base_url, "oauth_callback"), JupyterHubOAuthCallbackHandler,
                 {"hub_auth": self.hub_auth})]


HubAuthorizer = JupyterHubAuthorizer  # an authenticated user needs the hub's access scope for this service


def missing_environment(env: dict[str, str] | None = None) -> list[str]:
    """The service variables JupyterHub sets that are not set here (empty when started by a hub)."""
    source = os.environ if env is None else env
    return [name for name in NEEDED_ENVS if not source.get(name)]


def take_secrets(app: Any, open_store: Any) -> bytes:
    """Before any kernel starts (kernels inherit the server's environment): move the hub API token into the app's
    configuration and out of the environment, and return the identity secret (taken out of the environment too), or
    the records' own secret when the site set none."""
    token = ""
    for name in TOKEN_ENVS:
        token = os.environ.pop(name, "") or token
    app.config.HubOAuth.api_token = token
    secret = secret_from_env()
    os.environ.pop(SECRET_ENV, None)
    if secret is None:
        with open_store(create=False) as store:
            secret = store.identity_secret()
        log.info("learners from the hub: their keys use the secret kept with the records (set $%s to keep it "
                 "apart from them)", SECRET_ENV)
    return secret


def hub_learner(user: Any, secret: bytes) -> ExternalLearner | None:
    """The learner a hub user is, by key; None when nobody is signed in."""
    name = getattr(user, "username", None)
    if not isinstance(name, str) or not name:
        return None
    return ExternalLearner(learner_key("hub", name, secret), "hub")
