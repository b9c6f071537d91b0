"""Signed attestations (Open Badges 3.0, VC-JWT) and who may say what (core.authority)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from jwcrypto import jwk, jws

from portfolio_builder.core import authority, credentials
from portfolio_builder.core.project import valid_student_id
from tests.conftest import evidence_page, run_check
from tests.core.test_jury import C2I1_CODES, REGISTERED, jury_text

ALL = {code: "validated" for code in C2I1_CODES}
QCM_D2_FAILED = {"D1": True, "D2": False, "D3": True, "D4": True, "D5": True}


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, credentials.KeyFile]:
    folder = tmp_path_factory.mktemp("keys")
    credentials.new_keys(folder, "valcourt", credentials.Issuer("https://univ-valcourt.example.fr", "Université de Valcourt"))
    credentials.new_keys(folder, "other", credentials.Issuer("https://other.example.org", "Université Autre"))
    return {
        "private": credentials.load_key(folder / "valcourt.private.jwk", private=True),
        "public": credentials.load_key(folder / "valcourt.public.jwk", private=False),
        "other_private": credentials.load_key(folder / "other.private.jwk", private=True),
        "other_public": credentials.load_key(folder / "other.public.jwk", private=False),
        "folder": folder,  # type: ignore[dict-item]
    }


def _first_attempt(project, **portfolio):
    """A C2i1 dossier the jury decided: every competency, D2's QCM failed → D1, D3, D4, D5."""
    return project(
        {"docs/a.md": evidence_page(*C2I1_CODES), "jury.yml": jury_text(ALL, QCM_D2_FAILED, session="2024-juin")},
        portfolio={**REGISTERED, "session": "2024-juin", **portfolio},
    )


def _signed(project, keys, **portfolio) -> str:
    from portfolio_builder.core import attestation

    return attestation.issue_credential(run_check(_first_attempt(project, **portfolio)), keys["private"])


def _payload(token: str) -> dict:
    body = token.strip().split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _header(token: str) -> dict:
    head = token.strip().split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


# --- keys ------------------------------------------------------------------------------------


def test_new_keys_are_private_to_their_owner_and_never_overwritten(tmp_path):
    issuer = credentials.Issuer("https://u.example.fr", "U")
    private, public = credentials.new_keys(tmp_path, "u", issuer)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert "d" in json.loads(private.read_text()) and "d" not in json.loads(public.read_text())
    with pytest.raises(credentials.CredentialError) as caught:
        credentials.new_keys(tmp_path, "u", issuer)
    assert caught.value.key == "keys.exists"


def test_keys_are_never_written_inside_a_dossier(project):
    root = project({"docs/a.md": evidence_page("D1.1")})
    with pytest.raises(credentials.CredentialError) as caught:
        credentials.new_keys(root / "docs" / "keys", "k", credentials.Issuer("urn:x:y", "Y"))
    assert caught.value.key == "keys.inside_dossier"


def test_a_private_key_is_refused_as_a_trusted_issuer(keys):
    with pytest.raises(credentials.CredentialError) as caught:
        credentials.load_key(keys["private"].path, private=False)
    assert caught.value.key == "keys.private_as_public"


# --- the credential: Open Badges 3.0 ----------------------------------------------------------

# Required by the OB 3.0 data model (1EdTech ob_v3p0, § AchievementCredential, Profile,
# AchievementSubject, Achievement, Criteria, Alignment, IdentityObject, Result, ResultDescription,
# IdentifierEntry) and by its VC-JWT proof format (§ JSON Web Token Proof Format).
OB3_REQUIRED = {
    "AchievementCredential": ("@context", "id", "type", "issuer", "validFrom", "name", "credentialSubject"),
    "Profile": ("id", "type"),
    "AchievementSubject": ("type", "achievement"),
    "Achievement": ("id", "type", "criteria", "description", "name"),
    "Alignment": ("type", "targetName", "targetUrl"),
    "IdentityObject": ("type", "hashed", "identityHash", "identityType"),
    "Result": ("type",),
    "ResultDescription": ("id", "type", "name", "resultType"),
    "IdentifierEntry": ("type", "identifier", "identifierType"),
}
IDENTITY_TYPES = {"name", "sourcedId", "systemId", "productId", "userName", "accountId", "emailAddress", "nationalIdentityNumber", "isbn", "issn", "lisSourcedId", "oneRosterSourcedId", "sisSourcedId", "ltiContextId", "ltiDeploymentId", "ltiToolId", "ltiPlatformId", "ltiUserId", "identifier", "studentId"}
RESULT_STATUS = {"Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Provisional", "Withdrew"}


def _has(obj: dict, cls: str) -> None:
    missing = [name for name in OB3_REQUIRED[cls] if name not in obj or obj[name] in (None, "", [])]
    assert not missing, f"{cls} lacks {missing}: {obj}"


def _is_uri(value: str) -> bool:
    return isinstance(value, str) and ":" in value and " " not in value


def test_the_credential_carries_every_property_ob3_requires(project, keys):
    token = _signed(project, keys)
    header, claims = _header(token), _payload(token)
    # JOSE header: RS256, only the headers OB 3.0 allows, a public key and never "d".
    assert header["alg"] == "RS256" and set(header) <= {"alg", "kid", "jwk", "typ"}
    assert header.get("typ", "JWT") == "JWT" and "d" not in header["jwk"]
    # JWT claims tied to the credential.
    assert claims["iss"] == claims["issuer"]["id"] and claims["jti"] == claims["id"]
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert isinstance(claims["nbf"], int)

    _has(claims, "AchievementCredential")
    assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in claims["@context"]
    assert "VerifiableCredential" in claims["type"] and "OpenBadgeCredential" in claims["type"]
    assert _is_uri(claims["id"]) and claims["validFrom"].endswith("Z")
    issuer = claims["issuer"]
    _has(issuer, "Profile")
    assert "Profile" in issuer["type"] and issuer["id"] == "https://univ-valcourt.example.fr"
    subject = claims["credentialSubject"]
    _has(subject, "AchievementSubject")
    assert "AchievementSubject" in subject["type"] and _is_uri(subject["id"])
    for identity in subject["identifier"]:
        _has(identity, "IdentityObject")
        assert identity["type"] == "IdentityObject" and identity["identityType"] in IDENTITY_TYPES
        assert isinstance(identity["hashed"], bool)
    assert {i["identityType"]: i["identityHash"] for i in subject["identifier"]}["studentId"] == "21904512"
    assert subject["term"] == "2024-juin"
    achievement = subject["achievement"]
    _has(achievement, "Achievement")
    assert "Achievement" in achievement["type"] and _is_uri(achievement["id"])
    assert achievement["criteria"].get("narrative") or achievement["criteria"].get("id")
    for entry in achievement["otherIdentifier"]:
        _has(entry, "IdentifierEntry")
    assert achievement["humanCode"] == "c2i1-2011" and achievement["version"] == "2011"
    assert any(e["identifier"].startswith("sha256:") for e in achievement["otherIdentifier"])
    for alignment in achievement["alignment"]:
        _has(alignment, "Alignment")
        assert "Alignment" in alignment["type"]
    assert [a["targetCode"] for a in achievement["alignment"]] == C2I1_CODES
    for description in achievement["resultDescription"]:
        _has(description, "ResultDescription")
    for result in subject["result"]:
        _has(result, "Result")
        assert result["status"] in RESULT_STATUS
    claimed = credentials.attestation_claims(claims)
    assert claimed.decision == "not_certified"
    assert list(claimed.validated_domains) == ["D1", "D3", "D4", "D5"]
    assert claimed.validated_domains["D1"] == ["D1.1", "D1.2", "D1.3", "D1.4"]
    assert (claimed.session, claimed.date, claimed.student_id) == ("2024-juin", "2024-06-20", "21904512")


def test_a_credential_needs_a_student_number(project, keys):
    from portfolio_builder.core import attestation

    dossier = run_check(_first_attempt(project, candidate={"name": "Léa Moreau"}))
    with pytest.raises(attestation.NotDecided):
        attestation.issue_credential(dossier, keys["private"])


# --- verifying -------------------------------------------------------------------------------------


def test_round_trip_and_every_tampering(project, keys):
    token = _signed(project, keys)
    good = credentials.verify_credential(token, [keys["public"]])
    assert good.ok and good.issuer.name == "Université de Valcourt"

    # One byte of the payload changed: the signature no longer holds.
    head, body, signature = token.strip().split(".")
    payload = _payload(token)
    payload["credentialSubject"]["result"][0]["value"] = "certified"
    forged_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    assert credentials.verify_credential(f"{head}.{forged_body}.{signature}", [keys["public"]]).failure == "credential.bad_signature"
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    assert not credentials.verify_credential(f"{head}.{flipped}.{signature}", [keys["public"]]).ok

    # Signed by another institution: a valid signature, but not by a trusted issuer.
    other = credentials.sign_credential({**payload, "issuer": {**payload["issuer"], "id": "https://other.example.org"}}, keys["other_private"])
    result = credentials.verify_credential(other, [keys["public"]])
    assert result.signature_ok and not result.trusted and result.trust_failure == "credential.untrusted_issuer"
    # Nobody said whom to trust: the signature holds, the credential is not believed.
    assert not credentials.verify_credential(token, []).ok


def test_alg_none_and_hmac_with_the_public_key_are_refused(project, keys):
    token = _signed(project, keys)
    payload = token.strip().split(".")[1]
    none = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    assert credentials.verify_credential(f"{none}.{payload}.", [keys["public"]]).failure == "credential.bad_algorithm"
    # HS256 keyed with the public key's bytes (the classic confusion attack).
    secret = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(keys["public"].path.read_bytes()).rstrip(b"=").decode())
    forged = jws.JWS(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged.add_signature(secret, alg="HS256", protected=json.dumps({"alg": "HS256", "jwk": keys["public"].public_jwk()}))
    assert credentials.verify_credential(forged.serialize(compact=True), [keys["public"]]).failure == "credential.bad_algorithm"
    # A header carrying a private key, or a different key than the trusted one's: never believed.
    assert credentials.verify_credential("not a token", [keys["public"]]).failure == "credential.not_jws"


def test_a_trusted_key_cannot_speak_for_another_institution(project, keys):
    token = _signed(project, keys)
    payload = _payload(token)
    for claim in ("iss", "jti", "sub", "nbf"):
        payload.pop(claim)
    lying = {**payload, "issuer": {"id": "https://sorbonne.example.fr", "type": ["Profile"], "name": "Sorbonne"}}
    token = credentials.sign_credential(lying, credentials.KeyFile(keys["private"].path, keys["private"].key, credentials.Issuer("https://sorbonne.example.fr", "Sorbonne"), True))
    assert credentials.verify_credential(token, [keys["public"]]).failure == "credential.issuer_mismatch"


# --- carry-over ------------------------------------------------------------------------------------


def _second_attempt(project, tmp_path, token: str, mode: str = "certification", **portfolio):
    att = tmp_path / f"att-{abs(hash(token)) % 10_000}.jwt"
    att.write_text(token, encoding="utf-8")
    d2 = {c: "validated" for c in C2I1_CODES if c.startswith("D2")}
    return project(
        {
            "docs/a.md": evidence_page(*C2I1_CODES),
            "jury.yml": jury_text(d2, {"D2": True}, session="2025-janvier"),
            "prev/att.jwt": token,
        },
        portfolio={**REGISTERED, "session": "2025-janvier", "mode": mode, "previous_attestations": ["prev/att.jwt"], **portfolio},
    )


def test_signed_attestation_carries_over_with_a_trusted_issuer(project, tmp_path, keys):
    root = _second_attempt(project, tmp_path, _signed(project, keys))
    dossier = run_check(root, issuers=(keys["public"],))
    assert [p.code for p in dossier.problems if p.is_error] == []
    assert dossier.outcome.decision == "certified"
    assert dossier.outcome.carried_over_domains == ["D1", "D3", "D4", "D5"]
    assert dossier.attestations[0].signed_by == "Université de Valcourt"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("byte", "credential-invalid"),
        ("issuer", "credential-untrusted"),
        ("candidate", "credential-mismatch"),
        ("session", "credential-mismatch"),
        ("referential", "credential-mismatch"),
    ],
)
def test_each_wrong_credential_is_refused_with_its_code(project, tmp_path, keys, change, code):
    token = _signed(project, keys)
    issuers = (keys["public"],)
    portfolio: dict = {}
    if change == "byte":
        head, body, sig = token.strip().split(".")
        token = f"{head}.{body[:10]}{'x' if body[10] != 'x' else 'y'}{body[11:]}.{sig}"
    elif change == "issuer":
        issuers = (keys["other_public"],)
    elif change == "candidate":
        portfolio = {"candidate": {"name": "Léa Moreau", "student_id": "99999999"}}
    elif change == "session":
        portfolio = {"session": "2024-juin"}
    elif change == "referential":
        payload = _payload(token)
        for claim in ("iss", "jti", "sub", "nbf"):
            payload.pop(claim)
        payload["credentialSubject"]["achievement"]["humanCode"] = "c2i2e-2011"
        token = credentials.sign_credential(payload, keys["private"])
    root = _second_attempt(project, tmp_path, token, **portfolio)
    dossier = run_check(root, issuers=issuers)
    found = [(p.code, p.file, p.line, p.field) for p in dossier.problems if p.is_error and p.code.startswith("credential")]
    assert found and found[0][0] == code, dossier.problems
    # At the previous_attestations entry of mkdocs.yml, never a traceback.
    assert found[0][1] == "mkdocs.yml" and found[0][3] == "previous_attestations[0]"
    assert dossier.outcome.carried_over_domains == []
    assert dossier.outcome.decision != "certified"


def test_unsigned_attestation_warns_in_training_and_is_refused_in_certification(project):
    text = (
        "referential: c2i1-2011\ncandidate: {name: Léa Moreau, student_id: '21904512'}\nsession: 2023-juin\n"
        "institution: Université de Valcourt\ndate: 2023-06-30\nvalidated_domains: [D1, D2, D3, D4, D5]\n"
    )
    files = {"docs/a.md": evidence_page("D1.1"), "att/2023.yml": text}
    training = run_check(project(files, portfolio={**REGISTERED, "previous_attestations": ["att/2023.yml"]}))
    assert [(p.code, p.severity) for p in training.problems if p.code == "attestation-unsigned"] == [("attestation-unsigned", "warning")]
    assert training.outcome.carried_over_domains == ["D1", "D2", "D3", "D4", "D5"]
    certification = run_check(
        project(files, portfolio={**REGISTERED, "mode": "certification", "previous_attestations": ["att/2023.yml"]})
    )
    assert [(p.code, p.severity, p.file) for p in certification.problems if p.code == "attestation-unsigned"] == [
        ("attestation-unsigned", "error", "mkdocs.yml")
    ]
    assert certification.outcome.carried_over_domains == []
    assert certification.outcome.decision != "certified"


# --- identities and authority ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["../dossiers/mallory/fake", "/etc/passwd", "a/b", "..", "x" * 65, "21904512\n", "é", "a b", ""])
def test_student_ids_that_could_be_paths_are_refused(project, value):
    assert not valid_student_id(value)
    if not value:
        return
    root = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "Mallory", "student_id": value}})
    dossier = run_check(root)
    assert [(p.code, p.field.rsplit(".", 1)[-1]) for p in dossier.problems if p.is_error] == [("schema", "student_id")]
    assert dossier.project.settings.student_id == ""


@pytest.mark.parametrize("value", ["21904512", "ABC-12_x", "a" * 64])
def test_ordinary_student_ids_are_kept(value):
    assert valid_student_id(value)


def test_every_input_has_one_authority():
    assert set(authority.AUTHORITY.values()) == {authority.CANDIDATE, authority.TUTOR, authority.JURY, authority.INSTITUTION}
    assert authority.AUTHORITY["reviews"] == authority.TUTOR and authority.AUTHORITY["attestations"] == authority.JURY


def test_a_single_dossier_labels_what_it_says_of_the_jury_and_tutors(project):
    root = project(
        {
            "docs/a.md": evidence_page("D1.1"),
            "jury.yml": jury_text({"D1.1": "validated"}),
            "reviews/r.yml": "evidence: a.md\nreviewer: Pr. Tuteur Officiel\ndate: 2030-01-01\nverdicts: {D1.1: met}\n",
        },
        portfolio=REGISTERED,
    )
    dossier = run_check(root)
    assert dossier.jury is not None and not dossier.jury.verified
    assert dossier.reviews.reviews and not dossier.reviews.reviews[0].verified
    from portfolio_builder.core import report as report_mod
    from portfolio_builder.core import view

    report = view.report_page(report_mod.build(dossier), lambda src: src)
    assert report["jury"]["declared"] is True


def test_a_bare_plugin_reads_nothing_from_the_environment(keys, monkeypatch):
    """A user's own `mkdocs build`/`serve` constructs the plugin bare: its options are the
    defaults, whatever PORTFOLIO_* variables say (options are arguments of `portfolio`; the
    build then refuses to go on, tests/publish/test_default_build.py)."""
    from portfolio_builder.mkdocs_plugin.plugin import BuildOptions, PortfolioPlugin

    monkeypatch.setenv("PORTFOLIO_ISSUERS", str(keys["public"].path))
    monkeypatch.setenv("PORTFOLIO_PUBLIC", "1")
    monkeypatch.setenv("PORTFOLIO_ALLOW_DIRTY", "1")
    plugin = PortfolioPlugin()
    assert plugin.options == BuildOptions()
    plugin.on_shutdown()
    assert plugin.options == BuildOptions()


def test_portfolio_serve_gives_the_plugin_its_issuers_as_arguments_not_through_the_environment(keys, monkeypatch, tmp_path):
    """`portfolio serve --issuer K`: the plugin MkDocs loads at every rebuild was constructed
    with K; nothing is put in the environment, and a stray PORTFOLIO_ISSUERS is not read."""
    import os

    from click.testing import CliRunner
    from mkdocs.commands import serve as mkdocs_serve
    from mkdocs.config import load_config
    from mkdocs.config.defaults import MkDocsConfig

    from portfolio_builder.cli import main

    cached = dict(MkDocsConfig._schema)["plugins"]
    monkeypatch.setattr(cached, "plugin_cache", dict(cached.plugin_cache))  # other tests keep theirs
    monkeypatch.delenv("PORTFOLIO_ISSUERS", raising=False)
    root = Path(__file__).resolve().parents[2]
    seen: dict = {}

    def fake_serve(config_file, **kwargs):
        # What `mkdocs serve` does at each rebuild: load the configuration anew.
        monkeypatch.setenv("PORTFOLIO_ISSUERS", str(keys["other_public"].path))  # never read
        for _ in range(2):
            config = load_config(config_file)
            seen.setdefault("plugins", []).append(config.plugins["portfolio"])
        seen["environ"] = os.environ.get("PORTFOLIO_ISSUERS")

    monkeypatch.setattr(mkdocs_serve, "serve", fake_serve)
    result = CliRunner().invoke(main, ["serve", str(root), "--issuer", str(keys["public"].path)])
    assert result.exit_code == 0, result.output
    first, second = seen["plugins"]
    assert first is second  # the one instance every rebuild runs
    assert [i.thumbprint for i in first.options.issuers] == [keys["public"].thumbprint]
    first.on_shutdown()  # a rebuild's end keeps the options it was given
    assert [i.thumbprint for i in first.options.issuers] == [keys["public"].thumbprint]
