"""Signed credentials: the institution's keys, Open Badges 3.0 attestations, signed reports.

The institution is the only authority that signs (see ``authority``). Its key
pair lives in two JWK files written by ``portfolio keys new``: the private one
(mode 0600, never inside a dossier) signs, the public one is what juries and
cohorts list as a *trusted issuer*.

An attestation is issued as an Open Badges 3.0 ``OpenBadgeCredential`` (W3C
Verifiable Credentials data model 2.0), secured as a VC-JWT: a compact JWS
whose payload is the credential itself plus the ``iss``, ``jti``, ``sub`` and
``nbf`` claims, signed with RS256, the algorithm OB 3.0 requires every verifier
to support. The JOSE header carries only ``alg``, ``typ`` and the public
``jwk`` (OB 3.0 allows no other header). Signing and verifying are jwcrypto's;
nothing here computes a signature by hand.

A signed report (``report.jwt``) is the same kind of JWS, whose payload is the
exact bytes of ``report.json``.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from portfolio_builder.core.paths import sha256_file

ALGORITHM = "RS256"  # OB 3.0: « MUST be RS256 as a minimum »
KEY_BITS = 3072
ISSUER_MEMBER = "x-portfolio-issuer"  # our member of the key files: who the key speaks for
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
CREDENTIAL_TYPES = ("OpenBadgeCredential", "AchievementCredential")
# A jury session's procès-verbal, signed by the institution (portfolio_builder.pv): a W3C
# Verifiable Credential of our own type, never taken for an attestation (no achievement in it).
MINUTES_TYPE = "JuryMinutesCredential"
MAX_TOKEN_BYTES = 1024 * 1024
_NAMESPACE = uuid.UUID("8f6b1c3e-5d2a-4b7e-9c1f-0a2d4e6b8c10")  # ours: stable ids derived from names
_CLOCK_SKEW_SECONDS = 300


class CredentialError(Exception):
    """A key or a credential cannot be used; ``code`` is the stable problem code, ``key`` the catalog key."""

    def __init__(self, code: str, key: str, **args: Any) -> None:
        super().__init__(key)
        self.code = code
        self.key = key
        self.args_map = args


@dataclass(frozen=True)
class Issuer:
    """Who a key speaks for (the OB 3.0 ``Profile``)."""

    id: str
    name: str


@dataclass(frozen=True)
class KeyFile:
    path: Path
    key: jwk.JWK
    issuer: Issuer
    private: bool

    @property
    def thumbprint(self) -> str:
        return self.key.thumbprint()

    def public_jwk(self) -> dict[str, Any]:
        return json.loads(self.key.export_public())


# --- keys ----------------------------------------------------------------------------


def inside_dossier(folder: Path) -> Path | None:
    """The dossier (a folder with mkdocs.yml) that ``folder`` is in, if any."""
    current = folder.resolve()
    for candidate in (current, *current.parents):
        if (candidate / "mkdocs.yml").exists() or (candidate / "mkdocs.yaml").exists():
            return candidate
    return None


def new_keys(folder: Path, name: str, issuer: Issuer) -> tuple[Path, Path]:
    """Write ``NAME.private.jwk`` (mode 0600) and ``NAME.public.jwk`` into ``folder``.

    Refuses a folder inside a dossier (a candidate's repository must never hold
    the institution's private key) and never overwrites an existing key.
    """
    dossier = inside_dossier(folder)
    if dossier is not None:
        raise CredentialError("config", "keys.inside_dossier", folder=str(folder), dossier=str(dossier))
    if not name or any(c in name for c in "/\\\0") or name.startswith("."):
        raise CredentialError("config", "keys.bad_name", name=name)
    folder.mkdir(parents=True, exist_ok=True)
    private_path = folder / f"{name}.private.jwk"
    public_path = folder / f"{name}.public.jwk"
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise CredentialError("config", "keys.exists", path=str(path))
    key = jwk.JWK.generate(kty="RSA", size=KEY_BITS)
    kid = f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{key.thumbprint()}"
    meta = {"id": issuer.id, "name": issuer.name}
    private = {**json.loads(key.export_private()), "kid": kid, "alg": ALGORITHM, ISSUER_MEMBER: meta}
    public = {**json.loads(key.export_public()), "kid": kid, "alg": ALGORITHM, ISSUER_MEMBER: meta}
    # O_EXCL: never through a file or link that appeared meanwhile; 0600 from the first byte.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(private, handle, indent=2)
        handle.write("\n")
    fd = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(public, handle, indent=2)
        handle.write("\n")
    return private_path, public_path


def load_key(path: Path, private: bool) -> KeyFile:
    """A key file written by ``new_keys``; ``private`` says which half the caller needs."""
    try:
        if path.stat().st_size > 64 * 1024:
            raise CredentialError("config", "keys.unreadable", path=str(path), reason="too large")
        raw = json.loads(path.read_text(encoding="utf-8"))
    except CredentialError:
        raise
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise CredentialError("config", "keys.unreadable", path=str(path), reason=reason) from None
    if not isinstance(raw, dict):
        raise CredentialError("config", "keys.unreadable", path=str(path), reason="not a JWK")
    meta = raw.pop(ISSUER_MEMBER, None)
    try:
        key = jwk.JWK(**raw)
    except (JWException, ValueError, TypeError) as error:
        raise CredentialError("config", "keys.unreadable", path=str(path), reason=str(error)) from None
    if key.get("kty") != "RSA":
        raise CredentialError("config", "keys.unreadable", path=str(path), reason="an RSA key (RS256) is required")
    if private and not key.has_private:
        raise CredentialError("config", "keys.not_private", path=str(path))
    if not private and key.has_private:
        # A "trusted issuer" file must be the public half: a private key passed around is leaked.
        raise CredentialError("config", "keys.private_as_public", path=str(path))
    if not isinstance(meta, dict) or not isinstance(meta.get("id"), str) or not meta["id"]:
        raise CredentialError("config", "keys.no_issuer", path=str(path))
    return KeyFile(path, key, Issuer(meta["id"], str(meta.get("name") or meta["id"])), private)


def load_issuers(paths: list[Path] | tuple[Path, ...]) -> list[KeyFile]:
    return [load_key(path, private=False) for path in paths]


# --- signing -------------------------------------------------------------------------------


def _sign(payload: bytes, key: KeyFile) -> str:
    header = {"alg": ALGORITHM, "typ": "JWT", "jwk": key.public_jwk()}
    token = jws.JWS(payload)
    token.add_signature(key.key, alg=ALGORITHM, protected=json.dumps(header, separators=(",", ":")))
    return token.serialize(compact=True)


def sign_report(report_json: str, key: KeyFile) -> str:
    """``report.jwt``: the exact bytes of report.json, signed."""
    return _sign(report_json.encode("utf-8"), key) + "\n"


def _uuid(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '|'.join(parts))}"


def _datetime(value: datetime) -> str:
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")



def attestation_credential(
    document: dict[str, Any],
    referential: Any,
    issuer: Issuer,
    texts: dict[str, str],
    issued_at: datetime | None = None,
) -> dict[str, Any]:
    """The Open Badges 3.0 ``OpenBadgeCredential`` of an attestation document.

    ``document`` is what ``core.attestation.from_dossier`` returns; ``texts``
    holds the localised ``name``, ``description``, ``criteria`` and
    ``outcome`` sentences. The subject is identified by its student number.
    """
    issued = issued_at or datetime.now(timezone.utc)
    candidate = document["candidate"]
    student_id = candidate.get("student_id", "")
    ref_hash = sha256_file(referential.origin)
    achievement_id = _uuid(issuer.id, "achievement", referential.id, referential.version)
    subject_id = _uuid(issuer.id, "student", student_id)
    target_url = referential.urls[0] if referential.urls else achievement_id
    validated = set(document["validated_competencies"])

    def alignment(code: str, title: str) -> dict[str, Any]:
        return {
            "type": ["Alignment"],
            "targetCode": code,
            "targetName": title,
            "targetFramework": referential.title,
            "targetUrl": target_url,
        }

    outcome_rd = f"{achievement_id}#outcome"
    descriptions: list[dict[str, Any]] = [
        {"id": outcome_rd, "type": ["ResultDescription"], "name": texts["outcome_name"], "resultType": "Status"}
    ]
    results: list[dict[str, Any]] = [
        {
            "type": ["Result"],
            "resultDescription": outcome_rd,
            "status": "Completed" if document["decision"] == "certified" else "Failed",
            "value": document["decision"],
        }
    ]
    for domain in referential.domains:
        rd = f"{achievement_id}#domain-{domain.code}"
        descriptions.append(
            {
                "id": rd,
                "type": ["ResultDescription"],
                "name": f"{domain.code} {domain.title}",
                "resultType": "Status",
                "alignment": [alignment(domain.code, domain.title)],
            }
        )
        if domain.code in document["validated_domains"]:
            results.append(
                {
                    "type": ["Result"],
                    "resultDescription": rd,
                    "status": "Completed",
                    "value": "validated",
                    "alignment": [alignment(c.code, c.title) for c in domain.competencies if c.code in validated]
                    or [alignment(c.code, c.title) for c in domain.competencies],
                }
            )
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": texts["name"],
        "description": texts["description"],
        "issuer": {"id": issuer.id, "type": ["Profile"], "name": issuer.name},
        "validFrom": _datetime(issued),
        "awardedDate": f"{document['date']}T00:00:00Z",
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityHash": student_id, "identityType": "studentId", "hashed": False},
                {"type": "IdentityObject", "identityHash": candidate["name"], "identityType": "name", "hashed": False},
            ],
            "term": document["session"],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": referential.title,
                "humanCode": referential.id,
                "version": referential.version,
                "description": texts["achievement_description"],
                "criteria": {"narrative": texts["criteria"]},
                "otherIdentifier": [
                    {"type": "IdentifierEntry", "identifier": referential.id, "identifierType": "identifier"},
                    {"type": "IdentifierEntry", "identifier": f"sha256:{ref_hash}", "identifierType": "identifier"},
                ],
                "alignment": [alignment(c.code, c.title) for d in referential.domains for c in d.competencies],
                "resultDescription": descriptions,
            },
            "result": results,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if document.get("jury"):
        credential["evidence"] = [
            {"type": ["Evidence"], "name": texts["jury"], "description": ", ".join(document["jury"])}
        ]
    return credential


def sign_credential(credential: dict[str, Any], key: KeyFile) -> str:
    """The VC-JWT of ``credential`` (OB 3.0 § JSON Web Token Proof Format)."""
    if credential["issuer"]["id"] != key.issuer.id:
        raise CredentialError("credential-untrusted", "credential.issuer_mismatch", found=credential["issuer"]["id"], expected=key.issuer.id)
    valid_from = datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(valid_from.timestamp()),
    }
    return _sign(json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), key) + "\n"


# --- verifying ---------------------------------------------------------------------------------


@dataclass
class Verified:
    """What a signed file says, and whether it may be believed."""

    signature_ok: bool = False
    trusted: bool = False  # signed by one of the trusted issuers' keys
    issuer: Issuer | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    payload_bytes: bytes = b""
    failure: str = ""  # catalog key of the first reason it cannot be believed
    failure_args: dict[str, Any] = field(default_factory=dict)
    trust_failure: str = ""  # why the signer is not trusted (the signature itself may hold)
    thumbprint: str = ""

    @property
    def ok(self) -> bool:
        return self.signature_ok and self.trusted and not self.failure

    @property
    def problem(self) -> str:
        """The catalog key of what is wrong, the worst first."""
        return self.failure or self.trust_failure


def _fail(result: Verified, key: str, **args: Any) -> Verified:
    if not result.failure:
        result.failure, result.failure_args = key, args
    return result


def verify_token(token: str, issuers: list[KeyFile]) -> Verified:
    """Check a compact JWS against the trusted issuers (or only its own key when none is given).

    Never raises on bad input: what is wrong is in ``failure``.
    """
    result = Verified()
    token = token.strip()
    if len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
        return _fail(result, "credential.not_jws")
    parsed = jws.JWS()
    try:
        parsed.deserialize(token)
        header = parsed.jose_header
    except (JWException, ValueError, TypeError):
        return _fail(result, "credential.not_jws")
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        # Only RS256: never "none", never an HMAC keyed with a public key.
        return _fail(result, "credential.bad_algorithm", alg=str(header.get("alg") if isinstance(header, dict) else "?"))
    embedded = header.get("jwk")
    own_key = None
    if isinstance(embedded, dict):
        try:
            own_key = jwk.JWK(**embedded)
        except (JWException, ValueError, TypeError):
            own_key = None
    if own_key is None or own_key.has_private or own_key.get("kty") != "RSA":
        return _fail(result, "credential.no_key")
    result.thumbprint = own_key.thumbprint()
    trusted = next((k for k in issuers if k.thumbprint == result.thumbprint), None)
    try:
        parsed.verify(trusted.key if trusted else own_key, alg=ALGORITHM)
        result.signature_ok = True
    except (JWException, ValueError, TypeError):
        return _fail(result, "credential.bad_signature")
    result.payload_bytes = parsed.payload
    try:
        payload = json.loads(parsed.payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _fail(result, "credential.not_json")
    if not isinstance(payload, dict):
        return _fail(result, "credential.not_json")
    result.payload = payload
    if trusted is not None:
        result.trusted = True
        result.issuer = trusted.issuer
    else:
        result.trust_failure = "credential.untrusted_issuer" if issuers else "credential.no_trusted_issuers"
    return result


def verify_credential(token: str, issuers: list[KeyFile], now: datetime | None = None) -> Verified:
    """A VC-JWT attestation: the signature, then the claims OB 3.0 ties to the credential."""
    result = verify_token(token, issuers)
    if not result.signature_ok or not result.payload:
        return result
    claims = result.payload
    raw_types = claims.get("type")
    types: list[Any] = raw_types if isinstance(raw_types, list) else []
    issuer = mapping(claims.get("issuer"))
    subject = mapping(claims.get("credentialSubject"))
    if "VerifiableCredential" not in types or not any(t in types for t in (*CREDENTIAL_TYPES, MINUTES_TYPE)):
        return _fail(result, "credential.not_badge")
    if result.issuer is None:
        result.issuer = Issuer(str(issuer.get("id", "")), str(issuer.get("name") or issuer.get("id") or "?"))
    elif issuer.get("id") != result.issuer.id:
        # A trusted key speaking for another institution than the one its file names.
        return _fail(result, "credential.issuer_mismatch", found=str(issuer.get("id")), expected=result.issuer.id)
    for claim, expected in (("iss", issuer.get("id")), ("jti", claims.get("id")), ("sub", subject.get("id"))):
        if claims.get(claim) != expected or not expected:
            return _fail(result, "credential.claim_mismatch", claim=claim)
    try:
        valid_from = datetime.fromisoformat(str(claims.get("validFrom")).replace("Z", "+00:00"))
    except ValueError:
        return _fail(result, "credential.claim_mismatch", claim="validFrom")
    if claims.get("nbf") != int(valid_from.timestamp()):
        return _fail(result, "credential.claim_mismatch", claim="nbf")
    current = now or datetime.now(timezone.utc)
    if valid_from.timestamp() > current.timestamp() + _CLOCK_SKEW_SECONDS:
        return _fail(result, "credential.not_yet_valid", date=claims.get("validFrom"))
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and exp < current.timestamp():
        return _fail(result, "credential.expired")
    return result


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (untrusted input)."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class AttestationClaims:
    """What an OB 3.0 attestation of ours says, read back from its credential."""

    student_id: str
    name: str
    session: str
    date: str
    referential_id: str
    referential_version: str
    referential_sha256: str
    decision: str
    validated_domains: dict[str, list[str]]  # domain → its competencies


def attestation_claims(credential: dict[str, Any]) -> AttestationClaims:
    """Read an attestation credential; ValueError when it is not one of ours."""
    try:
        subject = credential["credentialSubject"]
        achievement = subject["achievement"]
        identities = {i["identityType"]: i["identityHash"] for i in subject.get("identifier", []) if not i.get("hashed")}
        others = [e["identifier"] for e in achievement.get("otherIdentifier", [])]
        digest = next((o.removeprefix("sha256:") for o in others if str(o).startswith("sha256:")), "")
        domain_of = {
            rd["id"]: rd["alignment"][0]["targetCode"]
            for rd in achievement.get("resultDescription", [])
            if rd.get("alignment")
        }
        outcome_rd = f"{achievement['id']}#outcome"
        decision = ""
        domains: dict[str, list[str]] = {}
        for item in subject.get("result", []):
            described = item.get("resultDescription")
            if described == outcome_rd:
                decision = str(item.get("value", ""))
            elif described in domain_of and item.get("value") == "validated":
                domains[domain_of[described]] = [a["targetCode"] for a in item.get("alignment", [])]
        return AttestationClaims(
            student_id=str(identities.get("studentId", "")),
            name=str(identities.get("name", "")),
            session=str(subject.get("term", "")),
            date=str(credential.get("awardedDate", ""))[:10],
            referential_id=str(achievement.get("humanCode", "")),
            referential_version=str(achievement.get("version", "")),
            referential_sha256=digest,
            decision=decision,
            validated_domains=domains,
        )
    except (KeyError, TypeError, IndexError, AttributeError) as error:
        raise ValueError(f"not an attestation credential: {error}") from None


def read_token(path: Path) -> str:
    """A JWS file's text; CredentialError when it cannot be read or is too large."""
    try:
        if path.stat().st_size > MAX_TOKEN_BYTES:
            raise CredentialError("credential-invalid", "credential.not_jws")
        return path.read_text(encoding="utf-8")
    except CredentialError:
        raise
    except (OSError, UnicodeDecodeError) as error:
        raise CredentialError("credential-invalid", "credential.unreadable", path=str(path), reason=str(error)) from None
