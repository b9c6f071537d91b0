"""Who may say what: the one place that decides which inputs count.

A dossier is a candidate's repository. Whatever it holds was written by the
candidate, whatever it claims to be. So:

=================  ============  ==================================================
input              authority     where a counted one comes from
=================  ============  ==================================================
evidence pages     candidate     the dossier's docs folder
attachments        candidate     the dossier's docs folder
dossier metadata   candidate     the ``portfolio`` entry of mkdocs.yml
reviews            tutor         a cohort's ``--reviews DIR/<student_id>/``
jury decisions     jury          a cohort's ``--juries DIR/<student_id>.yml``
QCM results        jury          the same jury file
attestations       jury          a credential signed by a trusted issuer
signing key        institution   ``portfolio keys new``, kept outside every dossier
trusted issuers    institution   ``--issuer KEY.public.jwk``, ``cohort.yml``
=================  ============  ==================================================

In a cohort (an untrusted reading, ``Untrusted``), reviews and jury files
found *inside* the dossier are read and shown, labelled « déclaré par le
candidat, non vérifié », and never counted in an outcome, a review count or a
dashboard column; attestations count only when signed by a trusted issuer.

A single-dossier build is a student's or a tutor's own working copy: the
dossier's reviews and jury file count there, as before, but carry the same
label, and in certification mode an attestation counts only when signed by a
trusted issuer. In training mode an unsigned attestation still counts, with a
warning, so that a student preparing a second attempt sees a true coverage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portfolio_builder.core.project import Project

CANDIDATE, TUTOR, JURY, INSTITUTION = "candidate", "tutor", "jury", "institution"

# The table above, as data: the README and the tests read it from here.
AUTHORITY: dict[str, str] = {
    "evidence": CANDIDATE,
    "attachments": CANDIDATE,
    "metadata": CANDIDATE,
    "reviews": TUTOR,
    "jury": JURY,
    "qcm": JURY,
    "attestations": JURY,
    "signing_key": INSTITUTION,
    "trusted_issuers": INSTITUTION,
}


@dataclass(frozen=True)
class Sources:
    """Where one check takes each authority's input from."""

    jury: Path | None  # the jury file that counts (None: no jury yet)
    jury_verified: bool  # it comes from the jury's side, not from the dossier
    declared_jury: Path | None  # the dossier's own jury file, shown but never counted
    reviews: Path | None  # the reviews folder that counts
    reviews_verified: bool
    declared_reviews: Path | None  # the dossier's own reviews, shown but never counted
    issuers: tuple[Any, ...]  # credentials.KeyFile of the trusted issuers
    signatures_required: bool  # an attestation must be signed by a trusted issuer to carry over


def sources(project: Project, issuers: tuple[Any, ...] = ()) -> Sources:
    settings = project.settings
    own_jury = project.resolve(settings.jury) if settings.jury else None
    own_reviews = project.resolve(settings.reviews_dir) if settings.reviews_dir else None
    policy = project.policy
    if policy is None:
        # A single dossier, read by its own author or tutor: today's behaviour, labelled.
        return Sources(
            jury=own_jury,
            jury_verified=False,
            declared_jury=None,
            reviews=own_reviews,
            reviews_verified=False,
            declared_reviews=None,
            issuers=issuers,
            signatures_required=settings.mode == "certification",
        )
    return Sources(
        jury=policy.jury,
        jury_verified=policy.jury is not None,
        declared_jury=own_jury,
        reviews=policy.reviews,
        reviews_verified=policy.reviews is not None,
        declared_reviews=own_reviews,
        issuers=tuple(policy.issuers) or issuers,
        signatures_required=True,
    )
