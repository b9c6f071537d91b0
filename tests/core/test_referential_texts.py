"""Every shipped title, pinned to the texts: a change to a referential's wording is deliberate.

The table below was checked against the sources recorded in each referential's ``source``
(and in the audit of December 2026): C2i1, C2i2 and CRCN titles read exactly as their sources;
DigComp 2.3 was corrected to « Engaging in citizenship through digital technologies ».
Editing a title in ``portfolio_builder/referentials/`` without editing it here fails this test;
editing it here needs a source in that referential's ``source.notes``.
"""

from __future__ import annotations

import pytest

from portfolio_builder.core.referential import load_shipped, shipped_ids

# id → (referential title, {domain or competency code: title})
TEXTS: dict[str, tuple[str, dict[str, str]]] = {
    'c2i1-2011': (
        'Certificat informatique et internet niveau 1 (référentiel version 2, 2011)',
        {
            'D1': 'Travailler dans un environnement numérique évolutif',
            'D1.1': 'Organiser un espace de travail complexe',
            'D1.2': 'Sécuriser son espace de travail local et distant',
            'D1.3': "Tenir compte des enjeux de l'interopérabilité",
            'D1.4': 'Pérenniser ses données',
            'D2': "Être responsable à l'ère du numérique",
            'D2.1': 'Maîtriser son identité numérique privée, institutionnelle et professionnelle',
            'D2.2': 'Veiller à la protection de la vie privée et des données à caractère personnel',
            'D2.3': "Être responsable face aux réglementations concernant l'utilisation de ressources numériques",
            'D2.4': 'Adopter les règles en vigueur et se conformer au bon usage du numérique',
            'D3': 'Produire, traiter, exploiter et diffuser des documents numériques',
            'D3.1': 'Structurer et mettre en forme un document',
            'D3.2': 'Insérer des informations générées automatiquement',
            'D3.3': 'Réaliser un document composite',
            'D3.4': 'Exploiter des données dans des feuilles de calcul',
            'D3.5': 'Préparer ou adapter un document pour le diffuser',
            'D4': "Organiser la recherche d'informations à l'ère du numérique",
            'D4.1': "Rechercher de l'information avec une démarche adaptée",
            'D4.2': "Évaluer les résultats d'une recherche",
            'D4.3': 'Récupérer et référencer une ressource numérique en ligne',
            'D4.4': 'Organiser une veille informationnelle',
            'D5': 'Travailler en réseau, communiquer et collaborer',
            'D5.1': 'Communiquer avec un ou plusieurs interlocuteurs',
            'D5.2': "Participer à l'activité en ligne d'un groupe",
            'D5.3': 'Élaborer une production dans un contexte collaboratif',
        },
    ),
    'c2i2e-2011': (
        "Certificat informatique et internet de l'enseignement supérieur niveau 2 « enseignant » (C2i2e), référentiel 2010/2011",
        {
            'A.1': "Maîtrise de l'environnement numérique professionnel",
            'A.1-1': 'Identifier les personnes ressources Tic et leurs rôles respectifs au niveau local, régional et national.',
            'A.1-2': "S'approprier différentes composantes informatiques (lieux, outils, ...) de son environnement professionnel.",
            'A.1-3': 'Choisir et utiliser les ressources et services disponibles dans un espace numérique de travail (ENT).',
            'A.1-4': 'Choisir et utiliser les outils les plus adaptés pour communiquer avec les acteurs et usagers du système éducatif.',
            'A.1-5': 'Se constituer et organiser des ressources en utilisant des sources professionnelles.',
            'A.2': 'Développement des compétences pour la formation tout au long de la vie',
            'A.2-1': 'Utiliser des ressources en ligne ou des dispositifs de formation à distance pour sa formation.',
            'A.2-2': 'Se référer à des travaux de recherche liant savoirs, apprentissages et Tice.',
            'A.2-3': "Pratiquer une veille pédagogique, institutionnelle, scientifique à travers des réseaux d'échanges concernant son domaine, sa discipline, son niveau d'enseignement.",
            'A.3': 'Responsabilité professionnelle dans le cadre du système éducatif',
            'A.3-1': "S'exprimer et communiquer en s'adaptant aux différents destinataires et espaces de diffusion (institutionnel, public, privé, interne, externe, ...).",
            'A.3-2': 'Prendre en compte les enjeux et respecter les règles concernant notamment : la recherche et les critères de contrôle de validité des informations ; la sécurité informatique ; le filtrage internet.',
            'A.3-3': "Prendre en compte les lois et les exigences d'une utilisation professionnelle des Tice concernant notamment : la protection des libertés individuelles et publiques ; la sécurité des personnes ; la protection des mineurs ; la confidentialité des données ; la propriété intellectuelle ; le droit à l'image.",
            'A.3-4': "Respecter et faire respecter la (les) charte(s) d'usage de l'établissement, notamment dans une perspective éducative d'apprentissage de la citoyenneté.",
            'B.1': "Travail en réseau avec l'utilisation des outils de travail collaboratif",
            'B.1-1': 'Rechercher, produire, indexer, partager et mutualiser des documents, des informations, des ressources dans un environnement numérique.',
            'B.1-2': "Contribuer à une production ou à un projet collectif au sein d'équipes disciplinaires, interdisciplinaires, transversales ou éducatives.",
            'B.1-3': "Organiser, coordonner et animer un travail en réseau au sein d'équipes disciplinaires, interdisciplinaires, transversales ou éducatives.",
            'B.2': "Conception et préparation de contenus d'enseignement et de situations d'apprentissage",
            'B.2-1': "Identifier les situations d'apprentissage propices à l'utilisation des Tice.",
            'B.2-2': "Concevoir des situations d'apprentissage et d'évaluation mettant en œuvre des logiciels généraux ou spécifiques à la discipline, au domaine et niveau d'enseignement.",
            'B.2-3': "Concevoir des situations d'apprentissage et d'évaluation mettant en œuvre des démarches de recherche d'information.",
            'B.2-4': 'Préparer des ressources adaptées à la diversité des publics et des situations pédagogiques : en opérant des choix entre les supports et médias utilisables ; en respectant les règles de la communication.',
            'B.2-5': 'Concevoir des situations ou dispositifs de formation introduisant de la mise à distance.',
            'B.3': 'Mise en œuvre pédagogique',
            'B.3-1': "Conduire des situations d'apprentissage diversifiées en tirant parti du potentiel des Tic (travail collectif, individualisé, en petits groupes).",
            'B.3-2': "Gérer l'alternance entre les activités utilisant les Tice et celles qui n'y ont pas recours.",
            'B.3-3': 'Gérer des temps et des modalités de travail différenciés, en présentiel et/ou à distance pour prendre en compte la diversité des élèves, des étudiants, des stagiaires.',
            'B.3-4': 'Utiliser les Tice pour accompagner, tutorer des élèves, des étudiants, des stagiaires dans la réalisation de leurs travaux, leurs projets, leurs recherches.',
            'B.3-5': 'Anticiper un incident technique ou savoir y faire face.',
            'B.4': "Mise en œuvre de démarches d'évaluation",
            'B.4-1': 'Identifier les compétences des référentiels Tic (B2i®, C2i®) mises en œuvre dans une situation de formation proposée aux élèves, aux étudiants, aux stagiaires.',
            'B.4-2': "S'intégrer dans une démarche collective d'évaluation des compétences Tic (B2i® ou C2i®).",
            'B.4-3': "Utiliser des outils d'évaluation et de suivi pédagogique.",
        },
    ),
    'c2i2md-2011': (
        'C2i niveau 2 « métiers du droit »',
        {
            'D1': 'Connaître et respecter les droits et obligations liés aux activités numériques en contexte professionnel',
            'D1.1': 'Respecter et intégrer la législation relative à la protection des libertés individuelles',
            'D1.2': 'Respecter et intégrer la législation sur les œuvres numériques liées au domaine professionnel',
            'D1.3': "Respecter et intégrer les aspects légaux liés à la protection et à l'accessibilité des données professionnelles",
            'D2': "Maîtriser les stratégies de recherche, d'exploitation et de valorisation de l'information numérique",
            'D2.1': "Élaborer et mettre en œuvre une stratégie de recherche d'informations en contexte professionnel",
            'D2.2': 'Élaborer et mettre en œuvre une stratégie de veille informationnelle en contexte professionnel',
            'D2.3': 'Élaborer une stratégie de développement et de valorisation des compétences professionnelles',
            'D3': 'Organiser des collaborations professionnelles avec le numérique',
            'D3.1': 'Organiser un travail collaboratif en utilisant les technologies numériques',
            'D3.2': 'Coordonner et animer des activités collaboratives dans un environnement numérique',
            'D3.3': "Adapter, modifier et transmettre des données en respectant l'interopérabilité dans un contexte de travail collaboratif professionnel",
            'D4': "Maîtriser le cycle de vie d'un document juridique",
            'D4.1': "Elaborer des actes électroniques et utiliser des systèmes d'aide à l'élaboration d'actes",
            'D4.2': 'Maîtriser les échanges numériques entre acteurs judiciaires ou juridiques et les services offerts aux citoyens',
            'D4.3': 'Sécuriser les échanges numériques',
            'D4.4': "Archiver l'information",
            'D5': "Maîtriser les enjeux de l'économie numérique",
            'D5.1': 'Maîtriser le contexte',
            'D5.2': 'Identifier les acteurs',
            'D5.3': 'Maîtriser les outils',
            'D6': 'Prévenir les risques liés à la cybercriminalité',
            'D6.1': 'Maîtriser la législation et la jurisprudence en matière de cybercriminalité',
            'D6.2': 'Prévenir des actes de cybercriminalité dans un contexte professionnel',
        },
    ),
    'c2i2mead-2011': (
        "C2i niveau 2 « métiers de l'environnement et de l'aménagement durables »",
        {
            'D1': 'Connaître et respecter les droits et obligations liés aux activités numériques en contexte professionnel',
            'D1.1': 'Respecter et intégrer la législation relative à la protection des libertés individuelles',
            'D1.2': 'Respecter et intégrer la législation sur les œuvres numériques liées au domaine professionnel',
            'D1.3': "Respecter et intégrer les aspects légaux liés à la protection et à l'accessibilité des données professionnelles",
            'D2': "Maîtriser les stratégies de recherche, d'exploitation et de valorisation de l'information numérique",
            'D2.1': "Élaborer et mettre en œuvre une stratégie de recherche d'informations en contexte professionnel",
            'D2.2': 'Élaborer et mettre en œuvre une stratégie de veille informationnelle en contexte professionnel',
            'D2.3': 'Élaborer une stratégie de développement et de valorisation des compétences professionnelles',
            'D3': 'Organiser des collaborations professionnelles avec le numérique',
            'D3.1': 'Organiser un travail collaboratif en utilisant les technologies numériques',
            'D3.2': 'Coordonner et animer des activités collaboratives dans un environnement numérique',
            'D3.3': "Adapter, modifier et transmettre des données en respectant l'interopérabilité dans un contexte de travail collaboratif professionnel",
            'D4': "Maîtriser les systèmes de traitement de l'information du domaine de l'environnement et de l'aménagement",
            'D4.1': 'Reconnaître et identifier les bases de données et les outils de traitement de données spatialisées et thématiques',
            'D4.2': 'Utiliser les outils de traitement appropriés pour passer des données à une connaissance ou à un diagnostic',
            'D4.3': "S'assurer de la validité technique et thématique des résultats",
            'D5': "Communiquer sur l'environnement et l'aménagement avec le numérique",
            'D5.1': "Se référer aux normes et standards relatifs à l'édition et à la diffusion des documents numériques",
            'D5.2': 'Concevoir des documents graphiques et cartographiques dans le respect des règles de sémiologie',
            'D5.3': 'Piloter la conception de supports de communication adaptés aux publics visés',
        },
    ),
    'c2i2mi-2011': (
        "C2i niveau 2 « métiers de l'ingénieur »",
        {
            'D1': 'Connaître et respecter les droits et obligations liés aux activités numériques en contexte professionnel',
            'D1.1': 'Respecter et intégrer la législation relative à la protection des libertés individuelles',
            'D1.2': 'Respecter et intégrer la législation sur les œuvres numériques liées au domaine professionnel',
            'D1.3': "Respecter et intégrer les aspects légaux liés à la protection et à l'accessibilité des données professionnelles",
            'D2': "Maîtriser les stratégies de recherche, d'exploitation et de valorisation de l'information numérique",
            'D2.1': "Élaborer et mettre en œuvre une stratégie de recherche d'informations en contexte professionnel",
            'D2.2': 'Élaborer et mettre en œuvre une stratégie de veille informationnelle en contexte professionnel',
            'D2.3': 'Élaborer une stratégie de développement et de valorisation des compétences professionnelles',
            'D3': 'Organiser des collaborations professionnelles avec le numérique',
            'D3.1': 'Organiser un travail collaboratif en utilisant les technologies numériques',
            'D3.2': 'Coordonner et animer des activités collaboratives dans un environnement numérique',
            'D3.3': "Adapter, modifier et transmettre des données en respectant l'interopérabilité dans un contexte de travail collaboratif professionnel",
            'D4': "Maîtriser la sécurité de l'information et des systèmes d'information",
            'D4.1': "Maîtriser les processus d'une politique de sécurité pour participer à sa mise en place",
            'D4.2': 'Distinguer les acteurs de la mise en place de la politique de sécurité et identifier leurs responsabilités légales',
            'D4.3': 'Identifier et hiérarchiser les informations afin de les exploiter de façon adéquate',
            'D4.4': "Évaluer la sûreté des procédures et connaître la limite des outils permettant de traiter l'information, selon le lieu et le mode d'accès",
            'D4.5': 'Estimer les risques accidentels et intentionnels afin que soient prises les dispositions nécessaires',
            'D5': "Piloter la maîtrise d'ouvrage des systèmes d'information",
            'D5.1': "Comprendre les enjeux du système d'information du point de vue de la maîtrise d'ouvrage",
            'D5.2': "Identifier les acteurs et les étapes d'un projet « système d'information » pour en assurer la conduite éclairée",
            'D5.3': "Exprimer son besoin dans toutes ses dimensions, et vérifier sa prise en compte par la maîtrise d'œuvre, tout au long du projet",
            'D5.4': "Respecter les exigences de l'interopérabilité et de l'accessibilité du point de vue de la maîtrise d'ouvrage",
            'D5.5': 'Interpréter un document de modélisation de données ou de processus métiers',
        },
    ),
    'c2i2ms-2011': (
        'C2i niveau 2 « métiers de la santé »',
        {
            'D1': 'Connaître et respecter les droits et obligations liés aux activités numériques en contexte professionnel',
            'D1.1': 'Respecter et intégrer la législation relative à la protection des libertés individuelles',
            'D1.2': 'Respecter et intégrer la législation sur les œuvres numériques liées au domaine professionnel',
            'D1.3': "Respecter et intégrer les aspects légaux liés à la protection et à l'accessibilité des données professionnelles",
            'D2': "Maîtriser les stratégies de recherche, d'exploitation et de valorisation de l'information numérique",
            'D2.1': "Élaborer et mettre en œuvre une stratégie de recherche d'informations en contexte professionnel",
            'D2.2': 'Élaborer et mettre en œuvre une stratégie de veille informationnelle en contexte professionnel',
            'D2.3': 'Élaborer une stratégie de développement et de valorisation des compétences professionnelles',
            'D3': 'Organiser des collaborations professionnelles avec le numérique',
            'D3.1': 'Organiser un travail collaboratif en utilisant les technologies numériques',
            'D3.2': 'Coordonner et animer des activités collaboratives dans un environnement numérique',
            'D3.3': "Adapter, modifier et transmettre des données en respectant l'interopérabilité dans un contexte de travail collaboratif professionnel",
            'D4': "Maîtriser le système et le traitement de l'information de santé",
            'D4.1': 'Gérer et diffuser des connaissances en santé',
            'D4.2': "Recueillir et archiver des données dans les systèmes d'information de santé",
            'D4.3': "Maîtriser les outils décisionnels et de pilotage dans les systèmes d'information de santé",
            'D4.4': "Maîtriser la communication des données dans les systèmes d'information de santé",
            'D4.5': "Connaître et s'initier aux logiciels métiers en santé",
        },
    ),
    'crcn-2019': (
        "Cadre de référence des compétences numériques (CRCN), annexe à l'article D121-1 du code de l'éducation",
        {
            '1': 'Information et données',
            '1.1': "Mener une recherche et une veille d'information",
            '1.2': 'Gérer des données',
            '1.3': 'Traiter des données',
            '2': 'Communication et collaboration',
            '2.1': 'Interagir',
            '2.2': 'Partager et publier',
            '2.3': 'Collaborer',
            '2.4': "S'insérer dans le monde numérique",
            '3': 'Création de contenus',
            '3.1': 'Développer des documents textuels',
            '3.2': 'Développer des documents multimédia',
            '3.3': 'Adapter les documents à leur finalité',
            '3.4': 'Programmer',
            '4': 'Protection et sécurité',
            '4.1': "Sécuriser l'environnement numérique",
            '4.2': 'Protéger les données personnelles et la vie privée',
            '4.3': "Protéger la santé, le bien-être et l'environnement",
            '5': 'Environnement numérique',
            '5.1': 'Résoudre des problèmes techniques',
            '5.2': 'Évoluer dans un environnement numérique',
        },
    ),
    'digcomp-2.2': (
        'DigComp 2.2 — The Digital Competence Framework for Citizens (JRC, 2022)',
        {
            '1': 'Information and data literacy',
            '1.1': 'Browsing, searching and filtering data, information and digital content',
            '1.2': 'Evaluating data, information and digital content',
            '1.3': 'Managing data, information and digital content',
            '2': 'Communication and collaboration',
            '2.1': 'Interacting through digital technologies',
            '2.2': 'Sharing through digital technologies',
            '2.3': 'Engaging in citizenship through digital technologies',
            '2.4': 'Collaborating through digital technologies',
            '2.5': 'Netiquette',
            '2.6': 'Managing digital identity',
            '3': 'Digital content creation',
            '3.1': 'Developing digital content',
            '3.2': 'Integrating and re-elaborating digital content',
            '3.3': 'Copyright and licences',
            '3.4': 'Programming',
            '4': 'Safety',
            '4.1': 'Protecting devices',
            '4.2': 'Protecting personal data and privacy',
            '4.3': 'Protecting health and well-being',
            '4.4': 'Protecting the environment',
            '5': 'Problem solving',
            '5.1': 'Solving technical problems',
            '5.2': 'Identifying needs and technological responses',
            '5.3': 'Creatively using digital technology',
            '5.4': 'Identifying digital competence gaps',
        },
    ),
}


def test_every_shipped_referential_is_pinned():
    assert sorted(TEXTS) == shipped_ids()


@pytest.mark.parametrize("ref_id", sorted(TEXTS))
def test_titles_are_those_of_the_texts(ref_id):
    title, titles = TEXTS[ref_id]
    ref = load_shipped(ref_id)
    assert ref.title == title
    shipped = {}
    for domain in ref.domains:
        shipped[domain.code] = domain.title
        for competency in domain.competencies:
            shipped[competency.code] = competency.title
    assert shipped == titles


def test_the_audited_corrections():
    """The wording fixes of issue 15, each with its variant recorded in source.notes."""
    digcomp = load_shipped("digcomp-2.2")
    assert digcomp.competencies["2.3"].title == "Engaging in citizenship through digital technologies"
    notes = " ".join(digcomp.notes)
    assert "Engaging in citizenship" in notes and "drop ''in''" not in notes and "drop 'in'" in notes
    assert "Creatively using digital technologies" in notes  # the 5.3 variant
    crcn = load_shipped("crcn-2019")
    notes = " ".join(crcn.notes)
    assert "S'insérer dans un monde numérique" in notes and "Création de contenu »" in notes
    assert "Construire un environnement numérique" in notes
