"""English: UK referrals (National Referral Mechanism), NGO intake notes, Crown Court
summaries, liaison e-mails. Every person and number is invented."""

from __future__ import annotations

import random

from tests.corpus import identifiers as ids

from .draw import aadhaar_number, digits, letters

CODE = "en"
SENDER = "GB"
JOIN = " "
PCT = "%"
THOUSANDS = ","
TIME = "{h:02d}:{m:02d}"
THIRD_COUNTRIES = ("IT", "DE", "AE", "LY")
IBAN_COUNTRIES = ("GB", "IE", "DE", "NL")
EMAIL_USERS = ("adaeze", "sweetgirl", "recruit.jobs", "amaka", "gloryland", "kwame.travel")
EMAIL_DOMAINS = ("gmail.com", "yahoo.co.uk", "outlook.com", "proton.me")
INSTITUTION_PHONES = ("0800 024 3311", "0300 303 8151", "0800 917 6653")


def national_id(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return ids.nigerian_nin(rng)
    return aadhaar_number(rng)


def case_number(rng: random.Random) -> str:
    year = rng.choice((2024, 2025, 2026))
    return rng.choice(
        (
            f"Crown Court case T{year}{digits(rng, 4)}",
            f"case number {year}{digits(rng, 5)}",
            f"URN {rng.randint(1, 99):02d}{letters(rng, 2)}{digits(rng, 7)}",
            f"indictment {year}/{digits(rng, 4)}",
            f"docket No. 1:{year % 100}-cr-{digits(rng, 5)}",
            f"crime reference {digits(rng, 2)}/{digits(rng, 6)}/{year % 100}",
        )
    )


def reference(rng: random.Random) -> str:
    year = rng.choice((2025, 2026))
    return rng.choice(
        (
            f"NRM/{year}/{digits(rng, 5)}",
            f"MLA-{year}-{digits(rng, 4)}",
            f"SCD/{digits(rng, 4)}/{year}",
        )
    )


def amount(rng: random.Random) -> str:
    return rng.choice(
        (
            f"£{rng.randint(2, 90)},{digits(rng, 3)}",
            f"₦{rng.randint(100, 999)},000",
            f"{rng.randint(1500, 60000):,} euros",
            f"£{rng.randint(150, 900)}",
        )
    )


def article(rng: random.Random) -> str:
    return rng.choice(
        (
            "section 2 of the Modern Slavery Act 2015",
            "sections 1 and 2 of the Modern Slavery Act 2015",
            "section 52 of the Sexual Offences Act 2003",
            "section 327 of the Proceeds of Crime Act 2002",
        )
    )


def flight(rng: random.Random) -> str:
    return rng.choice(("BA 75", "EK 11", "W6 1404", "TK 1979", "KQ 100")).replace(
        " ", rng.choice((" ", ""))
    )


def plate(rng: random.Random) -> str:
    return f"{letters(rng, 2)}{rng.randint(10, 74)} {letters(rng, 3)}"


def postcode(rng: random.Random) -> str:
    return (
        rng.choice(("B19", "M14", "LS8", "CF24", "E17")) + f" {rng.randint(1, 9)}{letters(rng, 2)}"
    )


def suspect(rng: random.Random) -> str:
    return rng.choice(("Emeka Dallington", "Viktor Shehu", "Darren Pike", "Osagie Bello-Frost"))


def hotline(rng: random.Random) -> str:
    return rng.choice(("999", "101", "111", "116 000"))


ADDRESSES = [
    "3 Kingfisher Close, Walsall",
    "118 Ladypool Road, Birmingham",
    "Flat 2, 41 Cheetham Hill Road, Manchester",
]

VICTIMS = [
    {
        "names": ["Ifeoma Chukwuemeka"],
        "given": "Ifeoma",
        "family": "Chukwuemeka",
        "region": "NG",
        "address": "14 Adewale Crescent, Surulere, Lagos",
    },
    {
        "names": ["Hope Adjei"],
        "given": "Hope",
        "family": "Adjei",
        "region": "GH",
        "lookalikes": [
            "Officers hope the second hearing will proceed without delay.",
            "There is little hope of recovering the cash sent abroad.",
        ],
    },
    {
        "names": ["Victoria Ogunleye"],
        "given": "Victoria",
        "family": "Ogunleye",
        "region": "NG",
        "lookalike_class": "place_shares_name_token",
        "lookalikes": [
            "The coach arrived at Victoria Coach Station shortly after midnight.",
            "The recruiter's office was on Victoria Island in Lagos.",
        ],
    },
    {
        "names": ["Ardita Hoxha"],
        "family_names": ["Hoxha"],
        "given": "Ardita",
        "family": "Hoxha",
        "region": "AL",
        "address": "27 Rruga e Kavajës, Tirana",
    },
    {
        "names": ["Precious Nwachukwu"],
        "given": "Precious",
        "family": "Nwachukwu",
        "region": "NG",
        "lookalikes": [
            "Precious little was done by the landlord to check who lived there.",
            "The women were told their documents were too precious to carry.",
        ],
    },
    {
        "names": ["Nguyen Thi Mai"],
        "family_names": ["Nguyen"],
        "given": "Mai",
        "family": "Nguyen",
        "region": "VN",
    },
    {
        "names": ["Joy Mensah"],
        "given": "Joy",
        "family": "Mensah",
        "region": "GH",
        "lookalikes": [
            "There was no joy in the flat, a support worker wrote.",
            "The joy-riding charge against the driver was dropped.",
        ],
    },
    {"names": ["Chidinma Obi-Nwosu"], "given": "Chidinma", "family": "Obi-Nwosu", "region": "NG"},
]

CLEAN = [
    "The Crown Prosecution Service confirmed that {CASE} is listed for a plea hearing on "
    "{IDATE} at {TIME}.",
    "In {YEAR} the unit recorded {COUNT} referrals, {PCT} of them for sexual exploitation.",
    "Transfers totalling {AMT} were traced through three money-service bureaux.",
    "The suspect {SUSPECT} travelled on flight {FLIGHT} on {IDATE} and was arrested on arrival.",
    "The bulk carrier ({IMO}) docked at Felixstowe; nobody was found hidden on board.",
    "The car used for the runs, registration {PLATE}, was seized by the force.",
    "Charges are brought under {ART}.",
    "She was {AGE} when she was first moved to a flat in the {POST} area.",
    "Out of hours, the NGO's freephone line {INST} is staffed by trained volunteers.",
    "Please quote our reference {REF} in any reply to this request.",
    "In an emergency the household was told to dial {HOTLINE}.",
    "The recruiter, {SUSPECT}, promised a job in a nail bar paying {AMT} a week.",
    "On {IDATE} two officers visited the car wash; {AGE} workers were present.",
    "The safe house closes its doors at {TIME} and residents are checked in by staff.",
    "Enquiries under {CASE} are continuing with the assistance of Europol.",
]

IDENTIFIER = [
    "The referral concerns {V}, a young woman born on {DOB}.",
    "{VUP} (date of birth {DOB}) was found at the premises during the warrant.",
    "When interviewed, Ms {VGIV} said she had to repay a debt of {AMT}.",
    "Her passport, number {PASS}, was retained by the controller.",
    "The madam used the number {PHO} to arrange clients.",
    "She was first contacted on WhatsApp from {PHX}.",
    "Her own mobile, {PHV}, was switched off after the raid.",
    "Wages were paid into account {IBAN} and withdrawn the same day.",
    "The advert was answered from the address {EMAIL}.",
    "Before the rescue she lived at {ADDR}.",
    "Her younger sister, born {ODOB}, is believed to be still in Benin City.",
    "Miss {VFAM} asked that her family should not be told.",
    "The National Identification Number on her slip is {NID}.",
    "The controller's passport {OPASS} was found in a drawer in the bedroom.",
    "A ledger lists another worker's phone as {PHO} next to the rota.",
    "We spoke to {V} again on {IDATE} in the presence of an interpreter.",
    "Victim: {V}; DOB {DOB}; contact {PHV}.",
    "Please check whether {VFAM} is known to your authorities.",
    "The sister's passport, {OPASS}, was also held by the madam.",
    "Victim {VGIV} was referred to the NRM the next morning.",
]

LIMITS = [
    (
        "She posted under the handle [[social_handle:victim|@ify_lagos_gal]] on Instagram.",
        "limit_social_handle",
    ),
    (
        "Her e-mail was given as [[email:victim|ifyc dot 2004 at gmail dot com]].",
        "limit_email_obfuscated",
    ),
    (
        "Her number, she said, is [[phone:victim|oh eight oh three, four five two, "
        "nine nine one seven]].",
        "limit_in_words",
    ),
    (
        "Salary went to GTBank account number [[bank_account:victim|0123945871]].",
        "limit_domestic_account",
    ),
    ("The recruiter lived at [[address:other|9 Okpara Avenue, Enugu]].", "limit_other_address"),
]
