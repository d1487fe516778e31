"""The LTI configuration file an administrator writes (`her2lesson serve --lti-config FILE`), read and checked once.

    {
      "tool": {"private_key_file": "lti-private.pem", "url": "https://lessons.example.org/",
               "frame_ancestors": ["https://school.instructure.com"]},
      "platforms": [{"issuer": "https://moodle.example.org", "client_id": "...", "deployment_ids": ["1"],
                     "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
                     "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
                     "key_set_url": "https://moodle.example.org/mod/lti/certs.php"}]
    }

`tool.url` (optional) is the module's public address, for /lti/config and the redirect URI; without it, each request's
own host and scheme are used. `tool.frame_ancestors` (optional): origins besides the platforms' own that may
frame the module (a Canvas course's domain). A relative key file is read from the configuration file's folder.
Make a key with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out lti-private.pem`
and keep it private (0600).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfDict

PLATFORM_FIELDS = ("issuer", "client_id", "deployment_ids", "auth_login_url", "auth_token_url", "key_set_url")


class LtiConfigError(ValueError):
    """The configuration file cannot be used; the message says what to fix, in one line."""


@dataclass(frozen=True)
class Platform:
    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    auth_audience: str = ""


@dataclass(frozen=True)
class LtiConfig:
    platforms: tuple[Platform, ...]
    private_key: str
    public_key: str
    url: str = ""
    frame_ancestors: tuple[str, ...] = ()

    def frame_policy(self) -> str:
        """The Content-Security-Policy that lets the platforms frame the module: this site, each platform's own
        address (its login URL's origin) and the origins `tool.frame_ancestors` adds (a Canvas course's domain, which
        is not its issuer's)."""
        origins = dict.fromkeys(["'self'", *(_origin(p.auth_login_url) for p in self.platforms),
                                 *self.frame_ancestors])
        return "frame-ancestors " + " ".join(origins)

    def platform(self, issuer: str, client_id: str) -> Platform | None:
        return next((p for p in self.platforms if p.issuer == issuer and p.client_id == client_id), None)

    def tool_conf(self) -> ToolConfDict:
        """pylti1p3's view of the same registrations (one issuer may have several client ids)."""
        data: dict[str, Any] = {}
        for k, p in enumerate(self.platforms):
            data.setdefault(p.issuer, []).append({
                "default": not any(q.issuer == p.issuer for q in self.platforms[:k]),
                "client_id": p.client_id, "auth_login_url": p.auth_login_url, "auth_token_url": p.auth_token_url,
                "auth_audience": p.auth_audience or None, "key_set_url": p.key_set_url, "key_set": None,
                "deployment_ids": list(p.deployment_ids)})
        conf = ToolConfDict(data)
        for p in self.platforms:
            conf.set_private_key(p.issuer, self.private_key, client_id=p.client_id)
            conf.set_public_key(p.issuer, self.public_key, client_id=p.client_id)
        return conf

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The tool's public key set (kid as pylti1p3 signs with it)."""
        return {"keys": [dict(Registration.get_jwk(self.public_key))]}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise LtiConfigError(f"{what} must be non-empty text")
    return value.strip()


def _url(value: Any, what: str) -> str:
    text = _text(value, what)
    if not text.startswith(("https://", "http://")):
        raise LtiConfigError(f"{what} must be an http(s):// address, not {text[:60]!r}")
    return text


def parse(data: Any, folder: Path) -> LtiConfig:
    """The configuration from its parsed JSON; relative file names are read from `folder`."""
    from jwcrypto.jwk import JWK

    if not isinstance(data, dict):
        raise LtiConfigError("the file must hold a JSON object with 'tool' and 'platforms'")
    tool = data.get("tool")
    if not isinstance(tool, dict):
        raise LtiConfigError("'tool' must be an object with 'private_key_file'")
    key_path = Path(_text(tool.get("private_key_file"), "tool.private_key_file"))
    key_path = key_path if key_path.is_absolute() else folder / key_path
    try:
        private_pem = key_path.read_text(encoding="ascii")
        key = JWK.from_pem(private_pem.encode())
    except OSError as error:
        raise LtiConfigError(f"tool.private_key_file {key_path}: {error.strerror or error}") from None
    except (ValueError, TypeError, UnicodeDecodeError):
        raise LtiConfigError(f"tool.private_key_file {key_path}: not a PEM private key") from None
    if not key.has_private or key.get("kty") != "RSA":
        raise LtiConfigError(f"tool.private_key_file {key_path}: an RSA private key is needed (RS256)")
    public_pem = key.export_to_pem(private_key=False).decode()
    url = tool.get("url", "")
    url = _url(url, "tool.url").rstrip("/") + "/" if url else ""
    ancestors = tool.get("frame_ancestors", [])
    if not isinstance(ancestors, list) or not all(isinstance(a, str) and _url(a, "tool.frame_ancestors") == a.strip()
                                                  and _origin(a) == a.strip().rstrip("/") for a in ancestors):
        raise LtiConfigError("tool.frame_ancestors must be a list of origins such as \"https://school.instructure.com\"")
    raw = data.get("platforms")
    if not isinstance(raw, list) or not raw:
        raise LtiConfigError("'platforms' must be a list of at least one platform")
    platforms = []
    for k, each in enumerate(raw):
        where = f"platforms[{k}]"
        if not isinstance(each, dict):
            raise LtiConfigError(f"{where} must be an object")
        missing = [name for name in PLATFORM_FIELDS if name not in each]
        if missing:
            raise LtiConfigError(f"{where} lacks {', '.join(missing)}")
        ids = each["deployment_ids"]
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
            raise LtiConfigError(f"{where}.deployment_ids must be a list of the platform's deployment ids (text)")
        platforms.append(Platform(
            issuer=_text(each["issuer"], f"{where}.issuer"), client_id=_text(each["client_id"], f"{where}.client_id"),
            deployment_ids=tuple(ids), auth_login_url=_url(each["auth_login_url"], f"{where}.auth_login_url"),
            auth_token_url=_url(each["auth_token_url"], f"{where}.auth_token_url"),
            key_set_url=_url(each["key_set_url"], f"{where}.key_set_url"),
            auth_audience=_text(each["auth_audience"], f"{where}.auth_audience") if each.get("auth_audience") else ""))
    seen = [(p.issuer, p.client_id) for p in platforms]
    if len(set(seen)) != len(seen):
        raise LtiConfigError("two platforms have the same issuer and client_id")
    return LtiConfig(tuple(platforms), private_pem, public_pem, url, tuple(a.rstrip("/") for a in ancestors))


def load(path: str | Path) -> LtiConfig:
    """Read and check the file; LtiConfigError with a one-line reason if it cannot be used."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LtiConfigError(f"{path}: {error.strerror or error}") from None
    except ValueError as error:
        raise LtiConfigError(f"{path}: not JSON ({error})") from None
    try:
        return parse(data, path.resolve().parent)
    except LtiConfigError as error:
        raise LtiConfigError(f"{path}: {error}") from None
