"""Every user-facing string, as ``key: (français, English)``.

Read through ``portfolio_builder.i18n``. Placeholders use ``str.format``
names; both languages of an entry must use the same ones (a test checks).
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # --- words -------------------------------------------------------------
    "word.or": (" ou ", " or "),
    "severity.error": ("erreur", "error"),
    "severity.warning": ("avertissement", "warning"),
    "type.text": ("texte", "text"),
    "type.list": ("liste", "list"),
    "type.mapping": ("ensemble de clés (clé: valeur)", "mapping (key: value)"),
    "type.integer": ("nombre entier", "integer"),
    "type.number": ("nombre", "number"),
    "type.boolean": ("booléen (true/false)", "boolean (true/false)"),
    "type.null": ("vide", "null"),
    "hint.did_you_mean": ("vouliez-vous dire {suggestion} ?", "did you mean {suggestion}?"),
    # --- YAML ----------------------------------------------------------------
    "yaml.syntax": ("YAML invalide : {problem}", "invalid YAML: {problem}"),
    "yaml.syntax.hint": (
        "vérifiez l'indentation, les deux-points et les guillemets de cette ligne",
        "check the indentation, colons and quotes on this line",
    ),
    "yaml.tab.hint": (
        "le YAML interdit les tabulations pour indenter : remplacez-les par des espaces",
        "YAML does not allow tabs for indentation: use spaces",
    ),
    "yaml.colon.hint": (
        "une valeur qui contient « : » doit être entre guillemets",
        "a value containing ': ' must be quoted",
    ),
    "yaml.duplicate_key": ("la clé « {key} » est écrite deux fois", "key '{key}' is written twice"),
    "yaml.duplicate_key.hint": (
        "première occurrence ligne {line} ; YAML ne garderait que la dernière",
        "first written on line {line}; YAML would silently keep only the last one",
    ),
    "yaml.key_not_text": ("une clé doit être un texte simple", "a key must be plain text"),
    "yaml.tag": ("étiquette YAML non prise en charge : {tag}", "unsupported YAML tag: {tag}"),
    "yaml.too_complex.depth": (
        "YAML trop profondément imbriqué (plus de {limit} niveaux)",
        "YAML nested too deeply (more than {limit} levels)",
    ),
    "yaml.too_complex.nodes": (
        "YAML trop volumineux une fois les alias développés (plus de {limit} éléments)",
        "YAML too large once aliases are expanded (more than {limit} items)",
    ),
    # --- pages ---------------------------------------------------------------
    "page.encoding": ("le fichier n'est pas encodé en UTF-8", "the file is not UTF-8 encoded"),
    "page.encoding.hint": (
        "enregistrez-le en UTF-8 depuis votre éditeur",
        "save it as UTF-8 from your editor",
    ),
    "page.unreadable": ("fichier illisible : {reason}", "cannot read the file: {reason}"),
    "page.empty": ("la page est vide", "the page is empty"),
    "page.empty.hint": (
        "ajoutez un en-tête YAML et un contenu, ou supprimez le fichier",
        "add a front matter and some content, or delete the file",
    ),
    "page.unclosed": (
        "l'en-tête YAML ouvert par « --- » n'est jamais fermé",
        "the front matter opened by '---' is never closed",
    ),
    "page.unclosed.hint": (
        "ajoutez une ligne « --- » après le dernier champ de l'en-tête",
        "add a '---' line after the last front-matter field",
    ),
    "page.too_large": (
        "en-tête YAML de {size} caractères (maximum {limit})",
        "front matter of {size} characters (maximum {limit})",
    ),
    "page.too_large.hint": (
        "placez le contenu dans le corps de la page ou dans une pièce jointe",
        "move the content to the page body or to an attachment",
    ),
    "page.not_mapping": (
        "l'en-tête doit être une liste de champs « clé: valeur »",
        "the front matter must be 'key: value' fields",
    ),
    "page.not_mapping.hint": ("par exemple « title: Mon rapport »", "for example 'title: My report'"),
    # --- schema --------------------------------------------------------------
    "schema.required": ("champ obligatoire manquant : « {name} »", "missing required field '{name}'"),
    "schema.unknown_field": ("champ inconnu « {name} »", "unknown field '{name}'"),
    "schema.unknown_field.hint": ("champs possibles : {known}", "known fields: {known}"),
    "schema.type": ("attendu : {expected}, trouvé : {found}", "expected {expected}, found {found}"),
    "schema.type.quote_hint": (
        "mettez la valeur entre guillemets : \"{value}\"",
        "quote the value: \"{value}\"",
    ),
    "schema.enum": ("{found} n'est pas une valeur permise ({expected})", "{found} is not allowed ({expected})"),
    "schema.format": ("{found} n'est pas au format {format}", "{found} is not in {format} format"),
    "schema.format.date": ("{found} n'est pas une date valide", "{found} is not a valid date"),
    "schema.format.date.hint": ("écrivez AAAA-MM-JJ, par exemple {example}", "write YYYY-MM-DD, e.g. {example}"),
    "schema.format.email": ("{found} n'est pas une adresse électronique valide", "{found} is not a valid e-mail address"),
    "schema.format.uri": ("{found} n'est pas une adresse web valide", "{found} is not a valid web address"),
    "schema.empty": ("ne doit pas être vide", "must not be empty"),
    "schema.blank": ("ne doit pas être vide", "must not be empty"),
    "schema.too_long": ("trop long (maximum {limit})", "too long (maximum {limit})"),
    "schema.minimum": ("{found} est inférieur au minimum {limit}", "{found} is below the minimum {limit}"),
    "schema.maximum": ("{found} dépasse le maximum {limit}", "{found} is above the maximum {limit}"),
    "schema.exclusiveMinimum": ("{found} doit être supérieur à {limit}", "{found} must be greater than {limit}"),
    "schema.exclusiveMaximum": ("{found} doit être inférieur à {limit}", "{found} must be less than {limit}"),
    "schema.pattern": ("{found} n'a pas la forme attendue", "{found} does not have the expected form"),
    "schema.unique": ("la liste contient des doublons", "the list contains duplicates"),
    "schema.not": ("{found} n'est pas permis ici", "{found} is not allowed here"),
    "schema.generic": ("valeur invalide : {detail}", "invalid value: {detail}"),
    # --- configuration -------------------------------------------------------
    "config.not_found": ("aucun mkdocs.yml dans {folder}", "no mkdocs.yml in {folder}"),
    "config.not_found.hint": (
        "lancez la commande dans le dossier du portfolio, ou créez-en un avec « portfolio new »",
        "run the command in the dossier's folder, or create one with 'portfolio new'",
    ),
    "config.missing_file": ("fichier introuvable : {path}", "file not found: {path}"),
    "config.unreadable": ("mkdocs.yml illisible : {reason}", "cannot read mkdocs.yml: {reason}"),
    "config.not_mapping": ("mkdocs.yml doit contenir des champs « clé: valeur »", "mkdocs.yml must hold 'key: value' fields"),
    "config.plugin_missing": (
        "le module « portfolio » n'est pas déclaré dans plugins:",
        "the 'portfolio' plugin is not declared under plugins:",
    ),
    "config.plugin_missing.hint": (
        "ajoutez sous plugins: « - portfolio: {{referential: c2i1-2011}} »",
        "add under plugins: '- portfolio: {{referential: c2i1-2011}}'",
    ),
    "config.entry_not_mapping": (
        "l'entrée portfolio doit contenir des champs « clé: valeur »",
        "the portfolio entry must hold 'key: value' fields",
    ),
    "config.docs_missing": ("le dossier des pages « {path} » n'existe pas", "the docs folder '{path}' does not exist"),
    # --- referentials --------------------------------------------------------
    "referential.unknown": ("référentiel inconnu : « {name} »", "unknown referential '{name}'"),
    "referential.unknown.hint": (
        "référentiels fournis : {ids} ; ou indiquez le chemin d'un fichier YAML",
        "shipped referentials: {ids}; or give the path of a YAML file",
    ),
    "referential.unreadable": ("référentiel illisible : {reason}", "cannot read the referential: {reason}"),
    "referential.not_mapping": (
        "un référentiel doit contenir des champs « clé: valeur »",
        "a referential must hold 'key: value' fields",
    ),
    "referential.duplicate_code": ("le code « {code} » est déjà utilisé", "code '{code}' is already used"),
    "referential.duplicate_code.hint": ("première occurrence ligne {line}", "first used on line {line}"),
    "referential.duplicate_inherited.hint": (
        "il vient déjà du référentiel étendu (extends)",
        "it already comes from the extended referential (extends)",
    ),
    "referential.cycle": ("« extends: {name} » forme une boucle", "'extends: {name}' makes a loop"),
    "referential.min_too_high": (
        "minimum de {minimum} compétences, mais le référentiel n'en compte que {total}",
        "a minimum of {minimum} competencies, but the referential has only {total}",
    ),
    "referential.abstract": (
        "« {name} » est un référentiel partiel, à étendre (extends) et non à utiliser seul",
        "'{name}' is a partial referential, to extend (extends), not to use alone",
    ),
    "referential.id_pattern": (
        "{found} : un identifiant s'écrit en minuscules, chiffres, « . », « - » ou « _ »",
        "{found}: an id uses lower-case letters, digits, '.', '-' or '_'",
    ),
    "referential.code_pattern": ("{found} : un code ne contient pas d'espace", "{found}: a code has no spaces"),
    # --- docs folder ---------------------------------------------------------
    "docs.symlink_outside": (
        "lien symbolique vers l'extérieur du dossier, refusé",
        "symbolic link leaving the dossier, refused",
    ),
    "docs.symlink_outside.hint": (
        "il pointe vers {target} ; copiez le fichier dans le dossier",
        "it points to {target}; copy the file into the dossier",
    ),
    "docs.reserved": (
        "« {path} » est réservé aux pages générées par portfolio_builder",
        "'{path}' is reserved for the pages portfolio_builder generates",
    ),
    "docs.reserved.hint": ("renommez ou déplacez ce fichier", "rename or move this file"),
    # --- evidence ------------------------------------------------------------
    "evidence.typo_key": ("champ « {key} » inconnu", "unknown field '{key}'"),
    "evidence.unknown_competency": (
        "compétence inconnue « {code} » dans le référentiel {referential}",
        "unknown competency '{code}' in referential {referential}",
    ),
    "evidence.unknown_competency.hint": (
        "« portfolio referentials » liste les référentiels ; les codes sont sur le rapport de couverture",
        "'portfolio referentials' lists the referentials; codes are on the coverage report",
    ),
    "evidence.duplicate_competency": (
        "la compétence {code} est déjà revendiquée ligne {line}",
        "competency {code} is already claimed on line {line}",
    ),
    "evidence.duplicate_id": ("l'identifiant « {id} » est déjà utilisé", "id '{id}' is already used"),
    "evidence.duplicate_id.hint": ("par {other} ; choisissez un autre id", "by {other}; choose another id"),
    "evidence.id_pattern": (
        "{found} : un id s'écrit en lettres, chiffres, « . », « _ », « - » ou « / »",
        "{found}: an id uses letters, digits, '.', '_', '-' or '/'",
    ),
    "evidence.missing_anchor": (
        "la section « {anchor} » n'existe pas dans la page",
        "section '{anchor}' does not exist in the page",
    ),
    "evidence.missing_anchor.hint": (
        "l'ancre est l'identifiant d'un titre de la page, par exemple « demarche » pour « ## Démarche »",
        "the anchor is a heading's id, e.g. 'method' for '## Method'",
    ),
    "evidence.missing_attachment": ("pièce jointe introuvable : {path}", "attachment not found: {path}"),
    "evidence.missing_attachment.hint": (
        "le chemin est relatif à la page et doit rester dans le dossier des pages",
        "the path is relative to the page and must stay inside the docs folder",
    ),
    "evidence.attachment_not_file": ("{path} n'est pas un fichier", "{path} is not a file"),
    "evidence.attachment_outside": (
        "la pièce jointe {path} sort du dossier des pages",
        "attachment {path} leaves the docs folder",
    ),
    "evidence.attachment_outside.hint": (
        "copiez le fichier dans le dossier des pages et indiquez un chemin relatif à la page",
        "copy the file into the docs folder and give a path relative to the page",
    ),
    "evidence.attachment_absolute": ("chemin absolu refusé : {path}", "absolute path refused: {path}"),
    "evidence.attachment_absolute.hint": (
        "indiquez un chemin relatif à la page, par exemple fichiers/rapport.pdf",
        "give a path relative to the page, e.g. files/report.pdf",
    ),
    "evidence.symlink_outside": (
        "la pièce jointe {path} est un lien vers l'extérieur du dossier",
        "attachment {path} links outside the dossier",
    ),
    "evidence.symlink_outside.hint": ("copiez le fichier lui-même dans le dossier", "copy the file itself into the dossier"),
    "evidence.unicode_normalization": (
        "{path} existe, mais son nom est écrit avec une autre normalisation Unicode (NFD)",
        "{path} exists, but its name uses another Unicode normalisation (NFD)",
    ),
    "evidence.unicode_normalization.hint": (
        "renommez le fichier (souvent créé sous macOS) en retapant ses accents",
        "rename the file (often created on macOS) by retyping its accents",
    ),
    "evidence.unsafe_url": (
        "{found} : seules les adresses http(s):// et mailto: sont permises",
        "{found}: only http(s):// and mailto: addresses are allowed",
    ),
    # --- coverage ------------------------------------------------------------
    "coverage.missing": ("{code} {title} : aucune preuve", "{code} {title}: no evidence"),
    "coverage.missing.hint": (
        "ajoutez une page de preuve qui revendique {code} dans competencies",
        "add an evidence page that claims {code} in competencies",
    ),
    # --- command line ----------------------------------------------------------
    "cli.coverage_title": (
        "Couverture {referential} : {covered} / {total} compétences",
        "Coverage {referential}: {covered} / {total} competencies",
    ),
    "cli.missing": ("manque : {names}", "missing: {names}"),
    "cli.totals": (
        "{errors} erreur(s), {warnings} avertissement(s), {evidence} preuve(s)",
        "{errors} error(s), {warnings} warning(s), {evidence} piece(s) of evidence",
    ),
    "cli.referentials.id": ("identifiant", "id"),
    "cli.referentials.domains": ("domaines", "domains"),
    "cli.referentials.competencies": ("compétences", "competencies"),
    "cli.referentials.title": ("intitulé", "title"),
    # --- statuses and labels ----------------------------------------------------
    "status.covered": ("couverte", "covered"),
    "status.missing": ("manquante", "missing"),
    "evidence.type.coursework": ("Production issue d'un enseignement", "Coursework production"),
    "evidence.type.assessment": ("Résultat de contrôle de connaissances", "Knowledge-check result"),
    "evidence.type.external": ("Production externe commentée", "Commented external production"),
    # --- CSV report ----------------------------------------------------------------
    "csv.domain_code": ("code domaine", "domain code"),
    "csv.domain": ("domaine", "domain"),
    "csv.code": ("code", "code"),
    "csv.competency": ("compétence", "competency"),
    "csv.status": ("statut", "status"),
    "csv.evidence_count": ("nombre de preuves", "evidence count"),
    "csv.evidence": ("preuves", "evidence"),
    "csv.paths": ("chemins", "paths"),
    "csv.types": ("types de preuve", "evidence types"),
    "csv.review": ("avis du tuteur", "tutor verdict"),
    "csv.decision": ("décision du jury", "jury decision"),
    "review.met": ("acquis", "met"),
    "review.partially_met": ("partiellement acquis", "partially met"),
    "review.not_met": ("non acquis", "not met"),
    "decision.validated": ("validée", "validated"),
    "decision.not_validated": ("non validée", "not validated"),
    # --- data files ------------------------------------------------------------------
    "data.too_large": ("fichier de {size} octets (maximum {limit})", "file of {size} bytes (maximum {limit})"),
    "data.unreadable": ("fichier illisible : {reason}", "cannot read the file: {reason}"),
    "data.empty": ("le fichier est vide", "the file is empty"),
    "data.not_mapping": ("le fichier doit contenir des champs « clé: valeur »", "the file must hold 'key: value' fields"),
    # --- reviews ---------------------------------------------------------------------
    "review.unknown_evidence": ("preuve inconnue : « {evidence} »", "unknown evidence '{evidence}'"),
    "review.unknown_evidence.hint": (
        "indiquez le chemin de la page dans le dossier des pages (ex. productions/rapport.md) ou son id",
        "give the page's path in the docs folder (e.g. work/report.md) or its id",
    ),
    "review.unknown_competency": ("compétence inconnue « {code} »", "unknown competency '{code}'"),
    "review.unclaimed": (
        "{evidence} ne revendique pas la compétence {code}",
        "{evidence} does not claim competency {code}",
    ),
    "review.unclaimed.hint": (
        "l'étudiant peut ajouter {code} à competencies si la preuve la démontre",
        "the student can add {code} to competencies if the evidence shows it",
    ),
    "review.date_pattern": ("{found} : écrivez AAAA-MM-JJ ou AAAA-MM-JJTHH:MM", "{found}: write YYYY-MM-DD or YYYY-MM-DDTHH:MM"),
    "review.outdated": (
        "{evidence} a été modifiée le {changed}, depuis cette revue",
        "{evidence} changed on {changed}, after this review",
    ),
    "review.outdated.hint": ("relisez la preuve et mettez la revue à jour", "read the evidence again and update the review"),
    "review.modified_since": ("modifiée depuis la revue", "changed since the review"),
    # --- jury and attestations ---------------------------------------------------------
    "jury.unknown_competency": ("compétence inconnue « {code} »", "unknown competency '{code}'"),
    "jury.unknown_domain": ("domaine inconnu « {code} »", "unknown domain '{code}'"),
    "jury.qcm_not_required": (
        "ce référentiel n'exige pas de QCM ; le résultat du domaine {code} est ignoré",
        "this referential requires no QCM; the result for domain {code} is ignored",
    ),
    "jury.institution_mismatch": (
        "établissement « {found} », mais le dossier est inscrit à « {expected} »",
        "institution '{found}', but the dossier is registered at '{expected}'",
    ),
    "jury.session_mismatch": (
        "session « {found} », mais le dossier est inscrit à la session « {expected} »",
        "session '{found}', but the dossier is registered for session '{expected}'",
    ),
    "attestation.referential_mismatch": (
        "attestation du référentiel « {found} », mais le dossier suit « {expected} »",
        "attestation for referential '{found}', but the dossier follows '{expected}'",
    ),
    "attestation.candidate_mismatch": (
        "attestation du numéro d'étudiant {found}, mais le dossier est celui de {expected}",
        "attestation for student id {found}, but the dossier belongs to {expected}",
    ),
    "attestation.name_mismatch": (
        "attestation au nom de « {found} », mais le dossier est celui de « {expected} »",
        "attestation in the name of '{found}', but the dossier belongs to '{expected}'",
    ),
    "attestation.same_session": (
        "attestation de la session {session}, celle-là même du dossier",
        "attestation from session {session}, the dossier's own session",
    ),
    "attestation.unknown_domain": ("domaine inconnu « {code} »", "unknown domain '{code}'"),
    "config.certification_requires": (
        "le mode certification exige « {name} »",
        "certification mode requires '{name}'",
    ),
    "config.certification_requires.hint": (
        "le jury en a besoin : ajoutez {name} à l'entrée portfolio de mkdocs.yml",
        "the jury needs it: add {name} to the portfolio entry of mkdocs.yml",
    ),
    # --- outcome and forecast ---------------------------------------------------------
    "outcome.certified": ("Certifié", "Certified"),
    "outcome.not_certified": ("Non certifié", "Not certified"),
    "outcome.pending": ("En attente", "Pending"),
    "outcome.no_jury": ("le jury n'a pas encore statué (pas de fichier jury.yml)", "the jury has not sat yet (no jury.yml)"),
    "outcome.competency_not_validated": ("{code} non validée", "{code} not validated"),
    "outcome.qcm_failed": ("QCM du domaine {domain} non réussi", "QCM of domain {domain} not passed"),
    "outcome.below_minimum": (
        "{count} compétences validées sur {total} (minimum {minimum})",
        "{count} competencies validated out of {total} (minimum {minimum})",
    ),
    "outcome.too_many_in_domain": (
        "{count} compétences non validées dans le domaine {domain} (maximum {limit})",
        "{count} competencies not validated in domain {domain} (maximum {limit})",
    ),
    "outcome.pending_detail": (
        "en attente : {decisions} décision(s) et {qcm} résultat(s) de QCM manquants",
        "pending: {decisions} decision(s) and {qcm} QCM result(s) missing",
    ),
    "outcome.missing_decision": ("décision du jury pour {code}", "jury decision for {code}"),
    "outcome.missing_qcm": ("résultat du QCM du domaine {domain}", "QCM result for domain {domain}"),
    "outcome.certified.all": (
        "toutes les compétences ({count}/{total}) sont validées",
        "all competencies ({count}/{total}) are validated",
    ),
    "outcome.certified.threshold": (
        "{count} compétences validées sur {total}, dans la limite de non-validation par domaine",
        "{count} competencies validated out of {total}, within the per-domain limit",
    ),
    "forecast.no_evidence": ("{code} : aucune preuve", "{code}: no evidence"),
    "forecast.no_met": ("{code} : pas encore d'avis « acquis » d'un tuteur", "{code}: no 'met' verdict from a tutor yet"),
    "forecast.more_needed": (
        "encore {missing} compétence(s) à faire reconnaître « acquises » ({count} sur {minimum} requises)",
        "{missing} more competencies need a 'met' verdict ({count} of the {minimum} required)",
    ),
    "forecast.domain_over": (
        "domaine {domain} : {count} compétences sans avis « acquis » (maximum {limit}) : {codes}",
        "domain {domain}: {count} competencies without a 'met' verdict (maximum {limit}): {codes}",
    ),
    "forecast.qcm": ("QCM à réussir dans les domaines {domains}", "QCM to pass in domains {domains}"),
}
