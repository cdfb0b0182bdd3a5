"""French: procès-verbaux, signalements d'associations, réquisitions du parquet,
demandes d'entraide (France, Belgique, Côte d'Ivoire, Maroc). Tout est inventé."""

from __future__ import annotations

import random

from tests.corpus import identifiers as ids

from .draw import birth, digits, french_nir, letters

CODE = "fr"
SENDER = "FR"
JOIN = " "
PCT = " %"
THOUSANDS = " "
TIME = "{h}h{m:02d}"
THIRD_COUNTRIES = ("ES", "IT", "BE", "CH")
IBAN_COUNTRIES = ("FR", "LU", "CH", "IT")
EMAIL_USERS = ("awa", "bintou.k", "mariamcool", "agence.emploi", "fatou")
EMAIL_DOMAINS = ("gmail.com", "yahoo.fr", "hotmail.fr", "laposte.net")
INSTITUTION_PHONES = ("0 800 05 95 95", "01 44 52 00 10", "0 800 20 32 32")


def national_id(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return french_nir(rng, birth(rng))
    return ids.moroccan_cin(rng)


def case_number(rng: random.Random) -> str:
    year = rng.choice((2024, 2025, 2026))
    return rng.choice(
        (
            f"numéro de parquet {year % 100}{digits(rng, 9)}",
            f"procédure n° {year}/{digits(rng, 6)}",
            f"RG {year % 100}/{digits(rng, 5)}",
            f"dossier d'instruction JI {letters(rng, 3)} {digits(rng, 2)}{digits(rng, 6)}",
            f"PV n° {digits(rng, 5)}/{year}/{digits(rng, 6)}",
            f"affaire {digits(rng, 11)}",
        )
    )


def reference(rng: random.Random) -> str:
    return rng.choice((f"EJ/{digits(rng, 4)}/2026", f"OCRTEH-2025-{digits(rng, 5)}"))


def amount(rng: random.Random) -> str:
    return rng.choice(
        (
            f"{rng.randint(2, 90)} {digits(rng, 3)} euros",
            f"{rng.randint(100, 990)} 000 FCFA",
            f"{rng.randint(300, 9000)} €",
            f"{rng.randint(10, 99)} 500 dirhams",
        )
    )


def article(rng: random.Random) -> str:
    return rng.choice(
        (
            "l'article 225-4-1 du code pénal",
            "les articles 225-5 et 225-6 du code pénal",
            "l'article 706-73 du code de procédure pénale",
        )
    )


def flight(rng: random.Random) -> str:
    return rng.choice(("AF 703", "SN 252", "AT 570", "HF 6721"))


def plate(rng: random.Random) -> str:
    return f"{letters(rng, 2)}-{digits(rng, 3)}-{letters(rng, 2)}"


def postcode(rng: random.Random) -> str:
    return rng.choice(("93200 Saint-Denis", "13003 Marseille", "75018 Paris", "69007 Lyon"))


def suspect(rng: random.Random) -> str:
    return rng.choice(("Jean-Marc Lefebvre", "Ousmane Diakité", "Karim Benhadj", "Loïc Marchal"))


def hotline(rng: random.Random) -> str:
    return rng.choice(("le 17", "le 119", "le 3919", "le 114"))


ADDRESSES = [
    "5 allée des Érables, Évry-Courcouronnes",
    "27 boulevard de la Villette, Paris",
    "Cité des Lauriers, bâtiment C, Marseille",
]

VICTIMS = [
    {
        "names": ["Awa Koné"],
        "given": "Awa",
        "family": "Koné",
        "region": "CI",
        "address": "12 rue des Poissonniers, 75018 Paris",
    },
    {
        "names": ["Espérance Mukamana"],
        "given": "Espérance",
        "family": "Mukamana",
        "region": "CD",
        "lookalikes": [
            "L'espérance de vie des victimes suivies reste difficile à évaluer.",
            "Les enquêteurs gardent l'espérance d'une coopération rapide.",
        ],
    },
    {
        "names": ["Fatoumata Diallo"],
        "family_names": ["Diallo"],
        "given": "Fatoumata",
        "family": "Diallo",
        "region": "GN",
    },
    {
        "names": ["Rose Bamba"],
        "given": "Rose",
        "family": "Bamba",
        "region": "CI",
        "lookalikes": [
            "La façade rose de l'immeuble figure sur les photographies.",
            "Les filles recevaient une rose le jour de leur arrivée, selon l'éducatrice.",
        ],
    },
    {
        "names": ["Mariam Saint-Éloi"],
        "family_names": ["Saint-Éloi"],
        "given": "Mariam",
        "family": "Saint-Éloi",
        "region": "HT",
        "lookalike_class": "name_particle",
        "lookalikes": [
            "Le foyer est situé près de la gare de Saint-Denis.",
            "Les passeurs faisaient escale à Saint-Martin.",
        ],
    },
    {"names": ["Aminata Traoré"], "given": "Aminata", "family": "Traoré", "region": "ML"},
    {
        "names": ["Blanche Nzeyimana"],
        "given": "Blanche",
        "family": "Nzeyimana",
        "region": "BI",
        "lookalikes": [
            "L'équipe a passé une nuit blanche à recouper les écoutes.",
            "Une camionnette blanche stationnait devant le salon de massage.",
        ],
    },
    {
        "names": ["Khadija Ait Bella"],
        "family_names": ["Ait Bella"],
        "given": "Khadija",
        "family": "Bella",
        "region": "MA",
    },
]

CLEAN = [
    "L'audience de comparution est fixée au {IDATE} à {TIME} ({CASE}).",
    "Sur la période {YEAR}, l'office a recensé {COUNT} victimes, dont {PCT} de mineures.",
    "Des virements d'un montant total de {AMT} ont été relevés sur la période.",
    "Le mis en cause {SUSPECT} a pris le vol {FLIGHT} le {IDATE}.",
    "Le navire ({IMO}) a été contrôlé au port du Havre sans résultat.",
    "Le véhicule immatriculé {PLATE} a été saisi à l'issue de la perquisition.",
    "Les faits sont qualifiés au regard de {ART}.",
    "Elle avait {AGE} ans lors de son arrivée dans un appartement de {POST}.",
    "Le numéro vert de l'association, le {INST}, est ouvert jour et nuit.",
    "Merci de rappeler notre référence {REF} dans toute correspondance.",
    "En cas d'urgence, les résidentes peuvent composer {HOTLINE}.",
    "Le recruteur, {SUSPECT}, promettait un emploi de coiffeuse à {AMT} par mois.",
    "Le {IDATE}, {AGE} personnes ont été entendues dans le cadre de {CASE}.",
    "Le foyer ferme ses portes à {TIME} et une éducatrice reste sur place.",
    "La commission rogatoire internationale est jointe en annexe, pages 4 à 17.",
]

IDENTIFIER = [
    "La victime, {V}, née le {DOB}, a été prise en charge par l'association.",
    "Mme {VGIV} déclare avoir remboursé une dette de {AMT}.",
    "Son passeport n° {PASS} a été retrouvé chez le logeur.",
    "Le proxénète la contactait au {PHO}, parfois la nuit.",
    "Un premier contact a eu lieu sur WhatsApp depuis le {PHX}.",
    "Son portable personnel ({PHV}) est éteint depuis l'interpellation.",
    "Les gains étaient versés sur le compte {IBAN}.",
    "Les annonces étaient publiées depuis l'adresse {EMAIL}.",
    "Avant sa mise à l'abri, elle résidait au {ADDR}.",
    "Sa sœur cadette, née le {ODOB}, serait restée à Abidjan.",
    "Mlle {VFAM} refuse que sa famille soit informée.",
    "Le numéro de sécurité sociale qu'elle a fourni est le {NID}.",
    "Le passeport du logeur, {OPASS}, a été placé sous scellé.",
    "{VUP}, de nationalité étrangère, a été entendue le {IDATE}.",
    "Nous avons de nouveau entendu {V} en présence d'une interprète.",
    "Identité : {V} — date de naissance : {DOB} — téléphone : {PHV}.",
    "Une autre jeune femme, joignable au {PHO}, a refusé de porter plainte.",
    "Il convient de vérifier si {VFAM} est connue de vos services.",
    "La carte d'identité de la mère, n° {ONID}, figure au dossier.",
    "Selon l'éducatrice, {V} a repris contact avec sa mère.",
]

LIMITS = [
    (
        "Elle se faisait appeler [[social_handle:victim|@awa.k.officiel]] sur TikTok.",
        "limit_social_handle",
    ),
    (
        "Son adresse électronique : [[email:victim|awa point kone arobase gmail point com]].",
        "limit_email_obfuscated",
    ),
    (
        "Le logeur habitait au [[address:other|8 impasse des Tilleuls, 93200 Saint-Denis]].",
        "limit_other_address",
    ),
    (
        "Le dossier [[document:victim|B4417283]] correspond à son titre de séjour.",
        "limit_document_after_reference",
    ),
    (
        "Elle donne son numéro en toutes lettres : [[phone:victim|zéro six, douze, "
        "quarante-trois, quatre-vingt-dix-huit, zéro sept]].",
        "limit_in_words",
    ),
]
