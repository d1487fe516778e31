"""JupyterHub serving her2lesson as a hub-managed service.

Run it from the folder the hub keeps its state in (jupyterhub.sqlite, its cookie secret, the lesson's identity
secret), not from the project's checkout:

    cd /srv/jupyterhub && jupyterhub -f /path/to/her2lesson/deploy/jupyterhub_config.py

The hub starts `her2lesson serve --hub` itself and keeps it running; learners sign in to the hub and land on the
lesson at /services/her2lesson/, through the hub's proxy. Each hub user is one learner: their record follows them to
any device with no resume code (the records hold a one-way key, never the user name). No single-user servers are
involved: one lesson server holds one kernel per open page (about 50 MB each), as on a machine of its own.

Needs, in the hub's Python environment: her2lesson and jupyterhub (`pip install her2lesson jupyterhub`), and the
hub's proxy (`npm install -g configurable-http-proxy`). Before the first start:

    export HER2LESSON_HUB_PASSWORD='a class password, 8 characters or more'

Then learners sign in with any user name and that password (see "Signing in" below for production).

Optional, in the hub's environment (passed on to the lesson server):
  HER2LESSON_DATABASE_URL   postgresql://... to keep the records in PostgreSQL (several servers, backups)
  HER2LESSON_DATA_DIR       else the folder of the SQLite records (default: var/ in the content folder)
  HER2LESSON_CONTENT_DIR    the module's content, if not the installed checkout
  HER2LESSON_FACILITATOR_CODE  opens group sessions, typed on the page
"""
import os
import secrets
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - JupyterHub provides it when it loads this file

LESSON_PORT = 8866  # where the lesson server listens, on loopback; only the hub's proxy talks to it

# --- the hub ------------------------------------------------------------------------------------------------------
c.JupyterHub.bind_url = "http://:8000"  # what learners open; put TLS in front (or set ssl_cert/ssl_key) in production
c.JupyterHub.default_url = "/services/her2lesson/"  # after signing in, learners land on the lesson
c.JupyterHub.cleanup_servers = True

# --- signing in ----------------------------------------------------------------------------------------------------
# For a class or a demo: one shared password, any user name (JupyterHub's SharedPasswordAuthenticator). Anyone with
# the password can sign in as anyone else, so each name's record is only as private as the password.
# In production use the site's own sign-in instead, e.g. c.JupyterHub.authenticator_class = "generic-oauth" (the
# oauthenticator package: Azure AD, Google, Keycloak, ...) or "ldapauthenticator.LDAPAuthenticator", with
# c.Authenticator.allowed_users or allowed groups. Nothing below changes: the lesson trusts whoever the hub signed in.
c.JupyterHub.authenticator_class = "shared-password"
if not os.environ.get("HER2LESSON_HUB_PASSWORD"):
    sys.exit("jupyterhub_config.py: set HER2LESSON_HUB_PASSWORD (the class password, 8 characters or more), or "
             "choose the site's own sign-in in this file")
c.SharedPasswordAuthenticator.user_password = os.environ["HER2LESSON_HUB_PASSWORD"]
c.Authenticator.allow_all = True

# Every signed-in user may open the lesson (the hub checks this scope when the lesson asks who the visitor is).
c.JupyterHub.load_roles = [
    {"name": "user", "scopes": ["self", "access:services!service=her2lesson"]},
]


# --- the lesson, as a service the hub runs ------------------------------------------------------------------------
def identity_secret(path: Path = Path("her2lesson_identity_secret")) -> str:
    """The secret behind the learners' one-way keys, kept in the hub's folder beside jupyterhub_cookie_secret.

    Keep it (and back it up) for as long as the records: with another secret, every hub user starts afresh. Kept
    apart from the records, a copy of the database alone cannot be matched against a list of user names."""
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32) + "\n")
    return path.read_text().strip()


FORWARDED = ("HER2LESSON_DATABASE_URL", "HER2LESSON_DATA_DIR", "HER2LESSON_CONTENT_DIR",
             "HER2LESSON_FACILITATOR_CODE", "HOME")

c.JupyterHub.services = [
    {
        "name": "her2lesson",
        "display": True,  # listed under Services in the hub's menu
        "url": f"http://127.0.0.1:{LESSON_PORT}",  # the server listens where this says ($JUPYTERHUB_SERVICE_URL)
        "command": [sys.executable, "-m", "her2lesson", "serve", "--hub",
                    "--cull-idle", "600",  # a tab that vanished without closing: its kernel goes after 10 minutes
                    "--pool-size", "2"],  # kernels kept ready, so a learner's page is usable at once
        "environment": {**{name: os.environ[name] for name in FORWARDED if name in os.environ},
                        "HER2LESSON_IDENTITY_SECRET": identity_secret()},
        "oauth_no_confirm": True,  # the lesson only learns who the user is: no "authorize access?" page
    },
]
