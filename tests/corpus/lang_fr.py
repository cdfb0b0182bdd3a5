"""French templates: French and Belgian referrals, victims from West and Central Africa
and Haiti (invented people)."""

from __future__ import annotations

import datetime as dt
import random

from . import identifiers
from .common import (
    clock,
    digits,
    email_address,
    flight,
    incident,
    letters,
    percentage,
    pick,
    year,
)

CODE = "fr"
SENDERS = ("FR", "FR", "BE", "CI")
JOINERS = (" ", " ", " ", "\n")

VICTIMS = [
    ("Grâce", "Mbala", "CD"),
    ("Espoir", "Kabeya", "CD"),
    ("Merveille", "Tshibanda", "CD"),
    ("Divine", "Ilunga", "CD"),
    ("Rose", "Ngo Bakang", "CM"),
    ("Aminata", "Koné", "CI"),
    ("Fatoumata", "Diallo", "GN"),
    ("Awa", "Traoré", "CI"),
    ("Mariam", "Ouattara", "CI"),
    ("Marie-Claire", "Saint-Fleur", "HT"),
    ("Nadège", "Jean-Baptiste", "HT"),
    ("Clémence", "Nguema", "CM"),
    ("Prudence", "Mukendi", "CD"),
    ("Constance", "Ebongue", "CM"),
    ("Aïssatou", "Ba", "SN"),
    ("Mireille", "Fotso", "CM"),
    ("Blanche", "Kouassi", "CI"),
    ("Joëlle", "Saint-Louis", "HT"),
    ("Adjoua", "Yao", "CI"),
    ("Sandrine", "Mbarga", "CM"),
]
OTHERS = [
    ("Koffi", "Bamba", "CI"),
    ("Jean-Pierre", "Manga", "CM"),
    ("Christelle", "Nkoulou", "FR"),
    ("Ibrahim", "Sylla", "GN"),
    ("Moussa", "Camara", "SN"),
    ("Patrick", "Lumumba", "CD"),
]

NAME_LOOKALIKES = [
    (
        VICTIMS[0],
        [
            "Elle a pu quitter l'appartement grâce à une voisine.",
            "Grâce à l'intervention de l'association, elle a obtenu un hébergement.",
            "Les enquêteurs ont pu remonter le réseau grâce aux relevés bancaires.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[1],
        [
            "Elle a perdu tout espoir de récupérer son passeport.",
            "Elle garde l'espoir de reprendre ses études d'infirmière.",
        ],
        "common_word_name",
    ),
    (VICTIMS[2], ["Le recruteur lui décrivait la France comme une merveille."], "common_word_name"),
    (
        VICTIMS[3],
        ["Elle craignait une punition divine si elle parlait à la police."],
        "common_word_name",
    ),
    (VICTIMS[4], ["Elle portait une robe rose le jour de l'interpellation."], "common_word_name"),
    (
        VICTIMS[11],
        ["Le tribunal n'a montré aucune clémence envers la prévenue."],
        "common_word_name",
    ),
    (
        VICTIMS[12],
        ["Les enquêteurs recommandent la prudence lors de tout contact avec la famille."],
        "common_word_name",
    ),
    (
        VICTIMS[13],
        ["Elle a fait preuve d'une grande constance dans ses déclarations."],
        "common_word_name",
    ),
    (
        VICTIMS[16],
        [
            "Les femmes étaient déplacées dans une camionnette blanche.",
            "Le réseau laissait carte blanche à la « mama » pour fixer les amendes.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[9],
        ["Elle a transité par Saint-Domingue avant d'arriver en Guyane."],
        "name_particle",
    ),
    (VICTIMS[17], ["Le réseau recrutait aussi des jeunes femmes à Saint-Denis."], "name_particle"),
    (
        VICTIMS[10],
        ["Elle a été hébergée un temps dans un foyer de la rue Jean-Jaurès."],
        "place_shares_name_token",
    ),
]

NARRATIVE = [
    "Elle a été recrutée à Abidjan en {year} par une femme qui lui promettait un emploi de "
    "coiffeuse.",
    "Elle a traversé le Niger puis la Libye et a débarqué à Lampedusa le {date}.",
    "Entre le {date} et le {date}, elle a été hébergée dans un appartement de Montreuil et "
    "contrainte de rembourser une dette de {amount}.",
    "Les enquêteurs de l'OCRTEH ont procédé à l'interpellation le {date} à {time}.",
    "La procédure est suivie par le parquet de Paris sous le numéro {case}.",
    "La prévenue {S} est poursuivie sur le fondement de l'{art}.",
    "Les investigations financières ont mis en évidence des transferts de {amount} et de "
    "{amount} vers le Cameroun.",
    "Elle est arrivée à Roissy par le vol {flight} le {date}.",
    "Le véhicule immatriculé {plate} servait à conduire les jeunes femmes sur les lieux de "
    "prostitution.",
    "Selon son récit, {pct} de ses gains étaient reversés à la « mama ».",
    "On lui a remis une plaquette d'information et indiqué qu'elle pouvait appeler {hotline}.",
    "Merci de rappeler la référence {ref} dans toute correspondance.",
    "Une information judiciaire a été ouverte le {date} au tribunal judiciaire de Bobigny.",
    "La dette augmentait chaque mois au gré des amendes et atteignait {amount} en {year}.",
    "Le dossier {case} a été transmis au juge d'instruction le {date}.",
    "Une demande d'entraide pénale internationale fondée sur l'{art} a été adressée le {date}.",
    "Un serment avait été prêté devant un prêtre traditionnel avant le départ, en {year}.",
    "Des mandats de {amount} ont été envoyés par Western Union entre le {date} et le {date}.",
    "Elle avait seize ans au moment du recrutement et bénéficie aujourd'hui d'une place en foyer.",
    "Le {date} vers {time}, les jeunes femmes ont été déplacées vers un hôtel de Saint-Ouen.",
    "L'audience correctionnelle est fixée au {date} devant la 16e chambre.",
    "Le titre de séjour prévu à l'article L. 425-1 du CESEDA lui a été délivré pour six mois.",
]

IDENTIFIER: list[tuple[str, tuple[str, ...]]] = [
    ("La victime, {V}, a été identifiée lors de la perquisition du {date}.", ()),
    (
        "Mme {f}, née le {dobw} à Abidjan, déclare être arrivée en France en {year}.",
        ("name_with_title",),
    ),
    ("Date de naissance : {dob}.", ()),
    ("Elle se dit née le {dob}, ce que confirme la copie de son acte de naissance.", ()),
    ("{V}, née le {dob} à Douala, de nationalité camerounaise, a été entendue.", ()),
    ("Elle est joignable au {tel} par l'intermédiaire de l'association.", ()),
    ("Le recruteur l'appelait depuis le numéro {Otel}.", ()),
    (
        "Sur un papier retrouvé dans son sac figuraient seulement ces chiffres : {Otel}.",
        ("phone_far_from_cue",),
    ),
    ("Son passeport n° {pass} a été confisqué par la proxénète dès son arrivée.", ()),
    ("Le passeport utilisé ({passsplit}) avait été obtenu avec un faux acte de naissance.", ()),
    ("Numéro de la pièce d'identité : {nid}.", ()),
    ("Les sommes étaient versées sur son compte personnel {iban}.", ()),
    ("Les virements partaient vers le compte {Oiban}, ouvert au nom du frère du prévenu.", ()),
    ("Elle utilisait l'adresse {mail} pour écrire à sa mère.", ()),
    ("L'offre d'emploi provenait de l'adresse {Omail}.", ()),
    ("Elle était domiciliée {addr} jusqu'à sa mise à l'abri.", ()),
    (
        "Sa sœur cadette, née le {Odob}, vit toujours au pays et serait menacée.",
        ("dob_other_person",),
    ),
    ("Lors de son audition, {g} a expliqué craindre des représailles contre sa famille.", ()),
    ("Nous avons entendu Mlle {V} en présence d'une interprète le {date}.", ("name_with_title",)),
    ("Vous trouverez ci-joint le procès-verbal d'audition de {V} (née le {dob}).", ()),
    ("Le numéro de sa mère est le {Otel} ; elle a reçu des menaces.", ()),
    ("Ne pas contacter la victime directement au {tel}.", ()),
    ("Des documents de voyage au nom de {f} {g} ont été découverts dans le véhicule.", ()),
    ("{V} a été orientée vers le dispositif national Ac.Sé le {date}.", ()),
    ("La proxénète, dont le passeport {Opass} a été saisi à Roissy, conteste les faits.", ()),
    (
        "Une autre jeune femme, née le {Odobw}, n'a pas encore été identifiée.",
        ("dob_other_person",),
    ),
    ("Elle a communiqué le numéro du chauffeur, {Otel}, qu'elle appelait chaque soir.", ()),
    ("Sa date de naissance déclarée, le {dobw}, ne correspond pas à celle du passeport.", ()),
    ("Elle a donné un second numéro, le {tel}, à ne pas communiquer.", ()),
    ("Sa mère réside {Oaddr}, où les menaces ont été déposées.", ()),
    (
        "Parmi les numéros relevés dans le téléphone de la prévenue figure le {Otel}.",
        ("phone_inflected_cue",),
    ),
    (
        "Le bail de l'appartement est au nom d'un homme dont la pièce d'identité porte le "
        "numéro {Onid}.",
        (),
    ),
]


def _case(rng: random.Random) -> tuple[str, str]:
    y = rng.randint(2023, 2026)
    return rng.choice(
        (
            f"{y % 100}{rng.randint(1, 365):03d}{digits(rng, 6)}",
            f"{y % 100}{rng.randint(1, 365):03d}{digits(rng, 6)}",
            f"{y}/{digits(rng, 6)}",
            f"JI n° {letters(rng, 4)}{digits(rng, 9)}",
            f"RG {y % 100}/{digits(rng, 5)}",
            f"PV n° {digits(rng, 5)}/{y}",
        )
    ), "case_number"


def _amount(rng: random.Random) -> tuple[str, str]:
    n = rng.choice((rng.randint(2, 90) * 500, rng.randint(1, 60) * 25000))
    return rng.choice(
        (
            f"{n:,} euros".replace(",", " "),
            f"{n * 600:,} FCFA".replace(",", " "),
            f"{n:,} €".replace(",", "\u202f"),
            f"{n:,} dollars".replace(",", " "),
        )
    ), "amount"


LOOKALIKES = {
    "date": incident("fr"),
    "year": year,
    "pct": percentage,
    "time": lambda rng: (
        (f"{rng.randint(0, 23)} h {rng.choice(('00', '15', '30', '45'))}", "time")
        if rng.random() < 0.5
        else clock(rng)
    ),
    "flight": flight,
    "case": _case,
    "amount": _amount,
    "plate": lambda rng: (f"{letters(rng, 2)}-{digits(rng, 3)}-{letters(rng, 2)}", "vehicle_plate"),
    "ref": lambda rng: (
        rng.choice(
            (
                f"EPI/{rng.randint(2024, 2026)}/{rng.randint(1, 999):04d}",
                f"DEE-{rng.randint(2024, 2026)}-{digits(rng, 5)}",
                f"OCRTEH/{digits(rng, 4)}/{rng.randint(24, 26)}",
            )
        ),
        "reference",
    ),
    "art": pick(
        "article_number",
        "article 225-4-1 du Code pénal",
        "article 225-4-2 du Code pénal",
        "article 18 de la Convention de Palerme",
        "article 706-73 du Code de procédure pénale",
        "article L. 425-1 du CESEDA",
    ),
    "hotline": pick("hotline_short", "le 17", "le 3919", "le 119", "le 112", "le 115"),
    "S": pick(
        "suspect_name", "Josiane Essomba", "Chantal Mbappé", "Brice Ondoua", "Hervé Tchakounté"
    ),
}


def national_id(rng: random.Random, region: str, born: dt.date) -> str:
    match region:
        case "CI":
            return f"C {digits(rng, 4)} {digits(rng, 4)} {digits(rng, 2)}"
        case "CM":
            return digits(rng, 9)
        case "SN":
            return f"{rng.choice('12')} {digits(rng, 3)} {digits(rng, 4)} {digits(rng, 5)}"
        case "HT":
            return f"{digits(rng, 3)}-{digits(rng, 3)}-{digits(rng, 3)}-{digits(rng, 1)}"
        case _:
            return f"{letters(rng, 2)}{digits(rng, 7)}"


def email(rng: random.Random, given: str, family: str, spellings: list[str]) -> str:
    return email_address(rng, given, family, ("gmail.com", "yahoo.fr", "hotmail.fr", "outlook.fr"))


def bank_account(rng: random.Random, region: str) -> str:
    return identifiers.iban(rng, rng.choice(("FR", "FR", "FR", "IT", "ES")))


def address(rng: random.Random) -> str:
    return rng.choice(
        (
            f"{rng.randint(2, 98)} rue des Poissonniers, 75018 Paris",
            f"{rng.randint(2, 140)} boulevard de la Villette, 75019 Paris",
            f"{rng.randint(2, 60)} avenue Jean-Jaurès, 93300 Aubervilliers",
            f"{rng.randint(2, 90)} rue de la Guillotière, 69007 Lyon",
            f"villa {rng.randint(2, 40)}, rue des Jardins, Cocody, Abidjan",
        )
    )


def full_name(rng: random.Random, given: str, family: str) -> str:
    return rng.choice(
        (f"{given} {family}", f"{given} {family.upper()}", f"{family.upper()} {given}")
    )
