"""``portfolio keys`` and ``portfolio credential``: the institution's keys and signed files.

Registered on the main ``portfolio`` group by ``cli``. Exit statuses as
everywhere: 0 valid, 1 a credential that cannot be believed, 2 a usage or
configuration error (an unreadable key, a key inside a dossier).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from portfolio_builder.i18n import translate

if TYPE_CHECKING:  # jwcrypto is imported only by the commands that sign or verify
    from portfolio_builder.core import credentials

EXIT_OK, EXIT_ERRORS, EXIT_CONFIG = 0, 1, 2


def _say_error(lang: str, error: credentials.CredentialError) -> None:
    click.echo(f"{translate(lang, 'severity.error')}[{error.code}] {translate(lang, error.key, **error.args_map)}", err=True)


def private_key(path: Path, lang: str) -> credentials.KeyFile:
    """The signing key named on the command line, or exit 2 with the reason."""
    from portfolio_builder.core import credentials

    try:
        if credentials.inside_dossier(path.parent) is not None:
            raise credentials.CredentialError(
                "config", "keys.private_in_dossier", path=str(path), dossier=str(credentials.inside_dossier(path.parent))
            )
        return credentials.load_key(path, private=True)
    except credentials.CredentialError as error:
        _say_error(lang, error)
        sys.exit(EXIT_CONFIG)


def trusted_issuers(paths: tuple[Path, ...] | list[Path], lang: str) -> list[credentials.KeyFile]:
    if not paths:
        return []  # no key to read: jwcrypto and its cryptography (~100 ms) stay unimported
    from portfolio_builder.core import credentials

    try:
        return credentials.load_issuers(list(paths))
    except credentials.CredentialError as error:
        _say_error(lang, error)
        sys.exit(EXIT_CONFIG)


def register(main: click.Group, h: Any, lang_option: Any, default_lang: Any) -> None:
    """Add the ``keys`` and ``credential`` groups to ``main``."""

    @main.group(help=h("help.keys"))
    def keys() -> None:
        pass

    @keys.command("new", help=h("help.keys.new"))
    @click.argument("name")
    @click.option("-d", "--directory", type=click.Path(path_type=Path), default=Path("."), show_default=True, help=h("help.keys.directory"))
    @click.option("--issuer-id", default="", help=h("help.keys.issuer_id"))
    @click.option("--issuer-name", required=True, help=h("help.keys.issuer_name"))
    @lang_option
    def keys_new(name: str, directory: Path, issuer_id: str, issuer_name: str, lang: str | None) -> None:
        from portfolio_builder.core import credentials

        out = default_lang(lang)
        import uuid

        issuer = credentials.Issuer(issuer_id.strip() or f"urn:uuid:{uuid.uuid4()}", issuer_name.strip())
        if ":" not in issuer.id:
            click.echo(translate(out, "keys.bad_issuer_id", id=issuer.id), err=True)
            sys.exit(EXIT_CONFIG)
        try:
            private_path, public_path = credentials.new_keys(directory, name, issuer)
        except credentials.CredentialError as error:
            _say_error(out, error)
            sys.exit(EXIT_CONFIG)
        except OSError as error:
            click.echo(translate(out, "cli.write_failed", path=str(directory), reason=error.strerror or str(error)), err=True)
            sys.exit(EXIT_CONFIG)
        click.echo(translate(out, "keys.written", private=str(private_path), public=str(public_path), issuer=issuer.name, id=issuer.id))

    @main.group(help=h("help.credential"))
    def credential() -> None:
        pass

    @credential.command("verify", help=h("help.credential.verify"))
    @click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
    @click.option("--issuer", "issuers", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help=h("help.credential.issuer"))
    @click.option("--format", "fmt", type=click.Choice(["human", "json"]), default="human", show_default=True)
    @lang_option
    def credential_verify(file: Path, issuers: tuple[Path, ...], fmt: str, lang: str | None) -> None:
        from portfolio_builder.core import credentials

        out = default_lang(lang)
        trusted = trusted_issuers(issuers, out)
        try:
            token = credentials.read_token(file)
        except credentials.CredentialError as error:
            _say_error(out, error)
            sys.exit(EXIT_ERRORS)
        result = credentials.verify_credential(token, trusted)
        if result.signature_ok and not result.failure and credentials.MINUTES_TYPE in (result.payload.get("type") or []):
            from portfolio_builder import pv

            # A signed procès-verbal names the bytes of its page: beside the .jwt, they must match.
            mismatch = pv.document_mismatch(file, result.payload)
            if mismatch:
                result.failure, result.failure_args = mismatch
        describe = describe_payload(result.payload, out) if result.signature_ok and not result.failure else []
        if fmt == "json":
            click.echo(
                json.dumps(
                    {
                        "file": str(file),
                        "valid": result.ok,
                        "signature": result.signature_ok,
                        "trusted": result.trusted,
                        "issuer": {"id": result.issuer.id, "name": result.issuer.name} if result.issuer else None,
                        "problem": translate(out, result.problem, **result.failure_args) if result.problem else None,
                        "payload": result.payload or None,
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            for line in describe:
                click.echo(line)
            if result.ok:
                click.echo(translate(out, "credential.valid", issuer=result.issuer.name if result.issuer else "?"))
            else:
                click.echo(
                    f"{translate(out, 'severity.error')}[{failure_code(result)}] {translate(out, result.problem, **result.failure_args)}",
                    err=True,
                )
        sys.exit(EXIT_OK if result.ok else EXIT_ERRORS)


def failure_code(result: credentials.Verified) -> str:
    """The stable problem code of a credential that cannot be believed."""
    if (result.trust_failure and not result.failure) or result.failure == "credential.issuer_mismatch":
        return "credential-untrusted"
    return "credential-invalid"


def describe_payload(payload: dict[str, Any], lang: str) -> list[str]:
    """Who issued it, to whom, what it says: an attestation, a procès-verbal or a report."""
    from portfolio_builder.core import credentials

    lines: list[str] = []
    issuer = credentials.mapping(payload.get("issuer"))
    if credentials.MINUTES_TYPE in (payload.get("type") or []):
        from portfolio_builder import pv

        return pv.describe_minutes(payload, lang)
    if payload.get("credentialSubject"):
        try:
            claims = credentials.attestation_claims(payload)
        except ValueError:
            claims = None
        lines.append(translate(lang, "credential.describe.issuer", name=issuer.get("name", "?"), id=issuer.get("id", "?")))
        if claims is not None:
            lines.append(translate(lang, "credential.describe.subject", name=claims.name or "?", student_id=claims.student_id or "?"))
            lines.append(
                translate(
                    lang,
                    "credential.describe.what",
                    referential=claims.referential_id,
                    version=claims.referential_version,
                    session=claims.session,
                    date=claims.date,
                    decision=translate(lang, f"outcome.{claims.decision}") if claims.decision else "?",
                )
            )
            for domain, codes in claims.validated_domains.items():
                lines.append(translate(lang, "credential.describe.domain", domain=domain, codes=", ".join(codes)))
        lines.append(translate(lang, "credential.describe.valid_from", date=str(payload.get("validFrom", "?"))))
    elif "dossier" in payload:  # a signed report.json
        candidate = credentials.mapping(credentials.mapping(payload.get("dossier")).get("candidate"))
        lines.append(translate(lang, "credential.describe.report", name=candidate.get("name", "?")))
    return lines
