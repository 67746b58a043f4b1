"""Transport security and caller authentication.

TLS (and mutual TLS) credentials come from PEM files. Callers are known by a
bearer token (``authorization: Bearer ...``) or by their client
certificate's common name, each mapped to roles in an auth file:

    tokens:                       # SHA-256 of each token, never the token itself
      - name: poe-gateway
        sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
        roles: [screen]
    clients:                      # client certificates (mutual TLS)
      - common_name: targeting-centre
        roles: [screen, admin]

Screening calls need the ``screen`` role, reloading rules needs ``admin``;
health checks and reflection are open, as probes and stock tools expect.
Without an auth file every caller is allowed (the default bind is loopback).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import grpc
import yaml

SCREEN: Final = "screen"
ADMIN: Final = "admin"
ROLES: Final = frozenset({SCREEN, ADMIN})
SERVICE_PREFIX: Final = "/screening.v1.ScreeningService/"
METHOD_ROLES: Final[Mapping[str, str]] = {
    "Screen": SCREEN,
    "ScreenManifest": SCREEN,
    "ScreenStream": SCREEN,
    "ScreenMessage": SCREEN,
    "GetRuleset": SCREEN,
    "ReloadRuleset": ADMIN,
}


class AuthConfigError(ValueError):
    """The auth file or TLS files are unusable; the message says which and why."""


class Unauthenticated(Exception):
    """No valid credentials."""


class PermissionDenied(Exception):
    """Valid credentials without the role the method needs."""


@dataclass(frozen=True)
class Caller:
    name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class TlsConfig:
    cert: Path
    key: Path
    client_ca: Path | None = None
    require_client_cert: bool = False

    def credentials(self) -> grpc.ServerCredentials:
        try:
            cert, key = self.cert.read_bytes(), self.key.read_bytes()
            ca = self.client_ca.read_bytes() if self.client_ca else None
        except OSError as error:
            raise AuthConfigError(
                f"cannot read TLS file {error.filename}: {error.strerror}"
            ) from None
        if self.require_client_cert and ca is None:
            raise AuthConfigError("--require-client-cert needs --tls-client-ca")
        return grpc.ssl_server_credentials(
            [(key, cert)], root_certificates=ca, require_client_auth=self.require_client_cert
        )


def _roles(entry: Mapping[str, Any], where: str) -> frozenset[str]:
    roles = entry.get("roles")
    if not isinstance(roles, list) or not roles or not set(roles) <= ROLES:
        raise AuthConfigError(f"{where}: roles must be a non-empty list of {sorted(ROLES)}")
    return frozenset(roles)


class Authenticator:
    def __init__(self, tokens: dict[str, Caller], clients: dict[str, Caller]) -> None:
        self._tokens = tokens
        self._clients = clients

    @classmethod
    def load(cls, path: Path) -> Authenticator:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise AuthConfigError(f"cannot read auth file {path}: {error}") from None
        if not isinstance(data, dict) or not set(data) <= {"tokens", "clients"}:
            raise AuthConfigError(f"{path}: expected the keys 'tokens' and/or 'clients'")
        tokens: dict[str, Caller] = {}
        for n, entry in enumerate(data.get("tokens") or []):
            where = f"{path}: tokens[{n}]"
            digest = str(entry.get("sha256", "")).lower()
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise AuthConfigError(f"{where}: sha256 must be the token's hex SHA-256 digest")
            tokens[digest] = Caller(str(entry.get("name") or f"token-{n}"), _roles(entry, where))
        clients: dict[str, Caller] = {}
        for n, entry in enumerate(data.get("clients") or []):
            where = f"{path}: clients[{n}]"
            name = entry.get("common_name")
            if not isinstance(name, str) or not name:
                raise AuthConfigError(f"{where}: common_name is required")
            clients[name] = Caller(name, _roles(entry, where))
        return cls(tokens, clients)

    def _by_token(self, token: str) -> Caller | None:
        presented = hashlib.sha256(token.encode()).hexdigest()
        found = None
        for digest, caller in self._tokens.items():
            if hmac.compare_digest(presented, digest):
                found = caller
        return found

    def authenticate(self, metadata: Any, auth_context: Mapping[str, Any]) -> Caller:
        for key, value in metadata or ():
            if key == "authorization" and isinstance(value, str):
                scheme, _, token = value.partition(" ")
                caller = self._by_token(token.strip()) if scheme.lower() == "bearer" else None
                if caller is None:
                    raise Unauthenticated("the bearer token is not valid")
                return caller
        for name in auth_context.get("x509_common_name", ()):
            caller = self._clients.get(name.decode() if isinstance(name, bytes) else str(name))
            if caller is not None:
                return caller
        raise Unauthenticated("credentials required: a bearer token or a known client certificate")


def required_role(method: str) -> str | None:
    """The role a method needs; None for methods open to all (health, reflection)."""
    if not method.startswith(SERVICE_PREFIX):
        return None
    return METHOD_ROLES.get(method.removeprefix(SERVICE_PREFIX), ADMIN)


def authorize(authenticator: Authenticator | None, method: str, context: Any) -> Caller | None:
    """The caller of ``context`` if it may call ``method``; raises otherwise."""
    role = required_role(method)
    if authenticator is None or role is None:
        return None
    caller = authenticator.authenticate(context.invocation_metadata(), context.auth_context())
    if role not in caller.roles:
        raise PermissionDenied(f"caller '{caller.name}' lacks the '{role}' role")
    return caller
