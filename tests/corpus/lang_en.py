"""English templates: UK and Nigerian/Ghanaian referrals (invented people)."""

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

CODE = "en"
SENDERS = ("GB", "NG", "GH", "GB")
JOINERS = (" ", " ", " ", "\n")

VICTIMS = [
    ("Blessing", "Okafor", "NG"),
    ("Precious", "Eze", "NG"),
    ("Grace", "Adeyemi", "NG"),
    ("Hope", "Obi", "NG"),
    ("Joy", "Igbinedion", "NG"),
    ("Favour", "Osagie", "NG"),
    ("Mercy", "Ogunleye", "NG"),
    ("Patience", "Asante", "GH"),
    ("Comfort", "Mensah", "GH"),
    ("Faith", "Boateng", "GH"),
    ("Abena", "Owusu", "GH"),
    ("Chiamaka", "Nwosu", "NG"),
    ("Osaretin", "Iyamu", "NG"),
    ("Charity", "Amadi", "NG"),
    ("Gift", "Uwaifo", "NG"),
    ("Destiny", "Okoro", "NG"),
    ("Maricel", "Dela Cruz", "PH"),
    ("Jennifer", "Santos", "PH"),
    ("Victoria", "Eghosa", "NG"),
    ("Florence", "Nwachukwu", "NG"),
    ("Kelly", "Marsh", "GB"),
    ("Adaeze", "Okonkwo", "NG"),
    ("Aisha", "Bin Mahfouz", "SA"),
]
OTHERS = [
    ("Osas", "Ehigie", "NG"),
    ("Efe", "Omoregie", "NG"),
    ("Kwame", "Darko", "GH"),
    ("Mohammed", "Ali", "LY"),
    ("Sandra", "Obaseki", "IT"),
    ("Rosa", "Ferreira", "ES"),
    ("Ruth", "Aigbe", "NG"),
]

NAME_LOOKALIKES = [
    (
        VICTIMS[2],
        [
            "By the grace of a neighbour she found a bed for the night.",
            "She said she had been given no grace period to repay the debt.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[3],
        [
            "She has little hope of recovering her passport.",
            "Hope of a job in Italy was what persuaded her family.",
            "Her therapy is funded through a project run with Hope for Justice.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[4],
        [
            "She spoke without joy about her months in Turin.",
            "There was no joy in the house, she said, only work and fines.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[1],
        [
            "Investigators lost precious time because the flat had been emptied.",
            "She had precious little money left after the fines.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[0],
        [
            "The journey went ahead with the blessing of her aunt.",
            "Her family saw the job offer as a blessing.",
        ],
        "common_word_name",
    ),
    (VICTIMS[6], ["For two years she was at the mercy of the madam."], "common_word_name"),
    (VICTIMS[7], ["The interview needed patience and several breaks."], "common_word_name"),
    (VICTIMS[5], ["The madam asked her to do a favour for a client."], "common_word_name"),
    (
        VICTIMS[9],
        [
            "The suspect claims to have acted in good faith.",
            "She has lost faith in the police of her home country.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[8],
        ["She said the shelter gave her comfort and a sense of safety."],
        "common_word_name",
    ),
    (VICTIMS[14], ["The recruiter offered her a phone as a gift."], "common_word_name"),
    (VICTIMS[13], ["A local charity provides her with counselling."], "common_word_name"),
    (VICTIMS[15], ["The pastor told her it was her destiny to go abroad."], "common_word_name"),
    (
        VICTIMS[16],
        ["She was later moved to a farm near Santa Cruz de Tenerife."],
        "place_shares_name_token",
    ),
    (
        VICTIMS[17],
        ["The container ship called at Santos, Brazil, before Rotterdam."],
        "place_shares_name_token",
    ),
    (
        VICTIMS[18],
        ["She was first housed in a hotel on Victoria Island, Lagos."],
        "place_shares_name_token",
    ),
    (
        VICTIMS[19],
        ["From Turin the group was taken by bus to Florence."],
        "place_shares_name_token",
    ),
    (
        VICTIMS[22],
        ["Her belongings had been thrown into a bin outside the house."],
        "name_particle",
    ),
]

NARRATIVE = [
    "She was recruited in Benin City in {year} with a false offer of work in a hair salon.",
    "She travelled by road through Kano and Agadez and reached Libya on {date}.",
    "Between {date} and {date} she was held in a flat in Tripoli and told she owed {amount}.",
    "Officers of the Modern Slavery and Exploitation Unit attended the property on {date} at "
    "{time}.",
    "The matter is listed at Isleworth Crown Court under case number {crown}.",
    "The suspect {S} was charged under {art}.",
    "Financial enquiries traced transfers of {amount} and {amount} through a money service "
    "business in Peckham.",
    "She arrived at Gatwick on flight {flight} on {date}.",
    "The car used to move the women, registration {plate}, was seized on {date}.",
    "According to the referral, {pct} of her earnings were taken by the madam.",
    "She was given the helpline leaflet and told to dial {hotline} in an emergency.",
    "Please quote our reference {ref} in any reply.",
    "A reasonable grounds decision was made on {date}; the conclusive grounds decision is pending.",
    "The debt rose every month through fines, reaching {amount} by {year}.",
    "NAPTIP opened investigation file {naptip} after her return to Nigeria.",
    "A request for mutual legal assistance under {art} was sent on {date}.",
    "The juju oath was administered at a shrine outside Benin City in {year}.",
    "Bank records show {amount} paid to a Western Union agent in Lagos between {date} and {date}.",
    "The vessel {imo} was boarded in the Solent on {date} and four crew members were interviewed.",
    "She was seventeen when recruited and now lives in safe housing arranged by the council.",
    "At {time} on {date} the women were moved in two cars to a house in Luton.",
    "The CPS charging decision (URN {urn}) is expected by {date}.",
]

IDENTIFIER: list[tuple[str, tuple[str, ...]]] = [
    ("The victim, {V}, was identified at the property on {date}.", ()),
    ("Ms {f} told officers she was born on {dobw} in Benin City.", ("name_with_title",)),
    ("Her date of birth is recorded as {dob}.", ()),
    ("DOB: {dob}. Nationality: Nigerian.", ()),
    ("She can be reached on {tel} through her support worker.", ()),
    ("The recruiter used the number {Otel} to arrange her travel.", ()),
    ("Messages on her phone came from {Otel}, which she believes is the madam's.", ()),
    ("She had written {Otel} on a scrap of paper hidden in her shoe.", ("phone_far_from_cue",)),
    ("Her passport, number {pass}, was kept by the madam throughout.", ()),
    (
        "The passport she travelled on ({passsplit}) was genuine but obtained with a false birth "
        "certificate.",
        (),
    ),
    ("Her national identity number is {nid}.", ()),
    ("Her wages were paid into an account in her own name, {iban}.", ()),
    ("The money was sent to {Oiban}, an account held by the suspect's brother.", ()),
    ("She used {mail} to write to her family.", ()),
    ("The job offer came by e-mail from {Omail}.", ()),
    ("She lived at {addr} until she was found.", ()),
    (
        "Her younger sister, born {Odob}, still lives in Edo State and is believed to be at risk.",
        ("dob_other_person",),
    ),
    ("In interview {g} said she was frightened of the oath.", ()),
    ("We interviewed Ms {V} with an interpreter on {date}.", ("name_with_title",)),
    ("Please find attached the statement of {V} (DOB {dob}).", ()),
    ("Her mother's number is {Otel}; she has received threats.", ()),
    ("Do not call the victim directly on {tel}; contact her support worker instead.", ()),
    ("Travel documents in the name of {f} {g} were found in the suspect's car.", ()),
    ("Her passport number is {pass} and she uses the phone number {tel}.", ()),
    ("{V} was referred to the NRM on {date}.", ()),
    ("The madam, whose passport {Opass} was seized at Heathrow, denies the charges.", ()),
    ("The woman recorded as {f} in the hotel register was the victim.", ()),
    (
        "Also present was another woman, born {Odobw}, who has not yet been identified.",
        ("dob_other_person",),
    ),
    (
        "She remembered a number, {Otel}, that the driver called every night.",
        ("phone_far_from_cue",),
    ),
    ("Her mother lives at {Oaddr}, where the threats were delivered.", ()),
    (
        "The flat was rented by a man whose national identity number, {Onid}, appears on "
        "the lease.",
        (),
    ),
    ("On 3 March she sent her new number, {tel}, to the caseworker by text.", ()),
]


def _case(rng: random.Random) -> tuple[str, str]:
    y = rng.randint(2023, 2026)
    return rng.choice(
        (
            f"T{y}{rng.randint(7000, 7999)}",
            f"{y}0{digits(rng, 4)} A{rng.randint(1, 4)}",
            f"NAPTIP/INV/{y}/{rng.randint(10, 999):04d}",
            f"FHC/L/{rng.choice(('CS', 'C'))}/{rng.randint(10, 999)}/{y}",
            f"{rng.randint(4000000, 5999999)}/{y % 100}",
            f"{rng.randint(1, 99):02d}{letters(rng, 2)}{digits(rng, 5)}{y % 100}",
        )
    ), "case_number"


def _amount(rng: random.Random) -> tuple[str, str]:
    n = rng.choice((rng.randint(2, 90) * 500, rng.randint(1, 60) * 25000))
    return rng.choice(
        (f"£{n:,}", f"₦{n * 10:,}", f"€{n:,}", f"USD {n:,}", f"{n * 10:,} naira", f"${n:,}")
    ), "amount"


def _plate(rng: random.Random) -> tuple[str, str]:
    uk = f"{letters(rng, 2)}{rng.randint(10, 75)} {letters(rng, 3)}"
    ng = f"{letters(rng, 3)} {rng.randint(100, 999)} {letters(rng, 2)}"
    return rng.choice((uk, uk, ng)), "vehicle_plate"


def _crown(rng: random.Random) -> tuple[str, str]:
    y = rng.randint(2023, 2026)
    return rng.choice(
        (f"T{y}{rng.randint(7000, 7999)}", f"{y}0{digits(rng, 4)} A{rng.randint(1, 4)}")
    ), "case_number"


LOOKALIKES = {
    "crown": _crown,
    "naptip": lambda rng: (
        rng.choice(
            (
                f"NAPTIP/INV/{rng.randint(2023, 2026)}/{rng.randint(10, 999):04d}",
                f"FHC/L/CS/{rng.randint(10, 999)}/{rng.randint(2023, 2026)}",
            )
        ),
        "case_number",
    ),
    "urn": lambda rng: (
        f"{rng.randint(1, 99):02d}{letters(rng, 2)}{digits(rng, 5)}{rng.randint(23, 26)}",
        "case_number",
    ),
    "date": incident("en"),
    "year": year,
    "pct": percentage,
    "time": clock,
    "flight": flight,
    "case": _case,
    "amount": _amount,
    "plate": _plate,
    "imo": lambda rng: (f"IMO {rng.randint(9100000, 9899999)}", "vessel_number"),
    "ref": lambda rng: (
        rng.choice(
            (
                f"MLA/{rng.randint(2024, 2026)}/{rng.randint(1, 999):04d}",
                f"NRM-{rng.randint(2024, 2026)}-{digits(rng, 6)}",
                f"MSU/OP-{letters(rng, 1)}{digits(rng, 3)}",
            )
        ),
        "reference",
    ),
    "art": pick(
        "article_number",
        "section 2 of the Modern Slavery Act 2015",
        "section 13(2) of the Trafficking in Persons (Prohibition) Enforcement and "
        "Administration Act 2015",
        "Article 18 of the UN Convention against Transnational Organized Crime",
        "section 45 of the Modern Slavery Act 2015",
        "Article 4 of the European Convention on Human Rights",
    ),
    "hotline": pick("hotline_short", "999", "112", "116 006", "101"),
    "S": pick(
        "suspect_name", "Osaro Eweka", "Kingsley Ighodaro", "Lucky Aimienoho", "Peter Oyenmwen"
    ),
}


def national_id(rng: random.Random, region: str, born: dt.date) -> str:
    match region:
        case "NG":
            return identifiers.nigerian_nin(rng)
        case "GH":
            return f"GHA-{digits(rng, 9)}-{rng.randint(0, 9)}"
        case "GB":
            return (
                f"{letters(rng, 2, 'ABCEGHJKLMNPRSTWXYZ')} {digits(rng, 2)} {digits(rng, 2)} "
                f"{digits(rng, 2)} {rng.choice('ABCD')}"
            )
        case _:
            return f"{digits(rng, 4)}-{digits(rng, 4)}-{digits(rng, 4)}"


def email(rng: random.Random, given: str, family: str, spellings: list[str]) -> str:
    return email_address(rng, given, family, ("gmail.com", "yahoo.com", "outlook.com"))


def bank_account(rng: random.Random, region: str) -> str:
    return identifiers.iban(rng, rng.choice(("GB", "GB", "IT", "ES", "DE")))


def address(rng: random.Random) -> str:
    return rng.choice(
        (
            f"{rng.randint(2, 98)} Adeola Odeku Street, Victoria Island, Lagos",
            f"Flat {rng.randint(1, 9)}, {rng.randint(2, 140)} Cavendish Road, Luton",
            f"{rng.randint(2, 60)} Sapele Road, Benin City",
            f"{rng.randint(2, 200)} Peckham High Street, London",
            f"{rng.randint(2, 40)} Ring Road, Kumasi",
        )
    )


def full_name(rng: random.Random, given: str, family: str) -> str:
    return rng.choice(
        (
            f"{given} {family}",
            f"{given} {family}",
            f"{given} {family.upper()}",
            f"{family.upper()} {given}",
        )
    )
