"""Free-text scanning, v2: each class of miss and of false block, in six languages,
findings with spans, regions for phone numbers, and what `minimise` and the gateway
report. Pure Python, no NATS."""

# Arabic and Cyrillic test data is the point of these tests:
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clients.gateway_api import _refused
from clients.gateway_schema import Problem
from schemas.envelope import seal
from schemas.errors import FieldFinding, IdentifierInFreeText
from schemas.keys import AuthorityKeys
from schemas.kinds import CaseReferral
from schemas.minimise import (
    DEFAULT_REGIONS,
    Finding,
    LinkageKey,
    ProtectedPerson,
    Scanner,
    minimise,
    scan,
    words,
)
from schemas.minimise.textview import FORMAT_RANGES, Folded, scan_fold
from schemas.records import PersonIdentity, Victim

# Another person's date of birth next to a birth cue, in every inflection the class names.
BIRTH = [
    "Nascida em 14 de março de 2008 em Luanda.",
    "Data de nascimento: 14/03/2008.",
    "A irmã, nascida a 3 de fevereiro de 2010, ficou em Luanda.",
    "O aliciador, natural do Huambo, nascido em 02.05.1985, fugiu.",
    "Родившаяся 14.03.2008 потерпевшая дала показания.",
    "Свидетельница, 14 марта 2008 года рождения, опрошена.",
    "Иванова М. П., 12.04.1999 г.р., опрошена.",
    "Родившийся 5 мая 1990 г. вербовщик скрылся.",
    "المولودة بتاريخ 14/03/2008 في طنجة",
    "من مواليد 14 مارس 2008",
    "ولدت في 3 يناير 2009 بالدار البيضاء",
    "Née le 3 mars 2009 à Douala, elle a fui.",
    "Nacido el 2 de mayo de 1990 en Asunción.",
    "Her sister (born March 3, 2010) stayed behind.",
]

PHONES = [
    "Номер её сестры 8-916-123-45-67.",
    "Позвонила с номера +7 916 123 45 67.",
    "O número dela é (11) 98765-4321.",
    "Telemóvel 912 345 678.",
    "Celular: 11 98765 4321",
    "Son numéro : 06.12.34.56.78",
    "Il l'appelait au 06-12-34-56-78 chaque soir.",
    "رقم ٠٦١٢٣٤٥٦٧٨ مسجل باسمها",
    "اتصلت من ٠٦١٢٣٤٥٦٧٨ مساء",
    # Far from any cue: valid per libphonenumber for a default region.
    "The madam used 0803-555-0199 for bookings.",
    "Messages came from 07700 900123 every night.",
    "Contacted via +44 7700 900123.",
    # After a case cue, but written as a phone: trunk prefix and valid.
    "Case file 0803 555 0199 lists her.",
    "Il numero 333 123 4567 era del reclutatore.",
    "+234 (0) 803 555 0199",
    "WhatsApp: +212 6 12 34 56 78",
    "Її номер 067 123 4567",
    "Tel. +7 (495) 123-45-67 (рабочий)",
    "Моб. 8 916 1234567",
]

DOCUMENTS = [
    "Passport BA057 958 was kept by the madam.",
    "She showed BA057 958 at the border.",
    "Passaporte n.º CP123456 retido.",
    "CPF 123.456.789-09 em nome da vítima.",
    "Bilhete de identidade 12345678 foi apreendido.",
    "Паспорт серии 45 10 № 123456 изъят.",
    "Паспорта 4510 123456 у неё не было.",
    "DNI 12345678-Z retenido.",
    "NIE X1234567L caducado.",
    "جواز سفرها رقم P1234567 محجوز",
    "numéro de sécurité sociale 2 84 05 75 056 123 87",
    "Codice fiscale RSSMRA85T10A562S del reclutatore.",
    "Паспорт гражданина Узбекистана AA1234567 изъят.",
    "Pasaporte PAR123456 retenido.",
]

OTHERS = [
    ("Her brother's email is tunde.b@mail.ng.", "email"),
    ("Wages went to ES91 2100 0418 4502 0005 1332.", "bank_account"),
]

# Clean text full of look-alike numbers: case and court references, amounts, years,
# statutes, flights, hotlines.
CLEAN = [
    "Crown Court case T20267001 was listed for trial.",
    "Numéro de parquet 26012000123, procédure ouverte le 3 mars 2026.",
    "Уголовное дело № 123456789012345 возбуждено 10 марта 2026 г.",
    "По уголовному делу № 12401450001000123 проведены обыски.",
    "NUC 110016000050202600123 de la Fiscalía.",
    "Processo n.º 0001234-56.2026.8.26.0100, art. 149-A do Código Penal.",
    "Diligencias previas 118/2026, art. 177 bis del Código Penal.",
    "Expediente 2026/004512 del Juzgado de Instrucción n.º 3.",
    "The network moved 1 200 000 naira and 35 000 EUR in 2025.",
    "Paid R$ 8.000 and US$ 1.500 in 2024.",
    "Flight AT 1234 landed at 10:30 on 14 March 2026.",
    "Article 3, articles 5 to 7, and art. 18(15) UNTOC apply.",
    "القضية رقم 2026/1234 أمام المحكمة الابتدائية.",
    "ملف عدد 123456789 لدى النيابة العامة.",
    "Between 2019 and 2025, 140 victims were identified in 12 countries.",
    "Il y avait 12 345 personnes et 2 000 000 euros.",
    "Dossier 2026/117 ; PV n° 2026/004567 du commissariat.",
    "RG 1234/2025 du tribunal judiciaire.",
    "Рейс SU 2134 прибыл 14 марта 2026 г. в 10:30.",
    "A vítima tem 17 anos e chegou em 2025 ao porto de Santos.",
    "Operation 2026-117 involved 45 officers and 12 vehicles.",
    "Telephone records for 2025 were requested.",
    "The victim called the hotline 116 006 twice.",
    "Born in Benin City, she was recruited on 14 March 2026.",
    "At 10:30 on 12.03.2026 police entered; 85% of victims were women.",
    "Coordinates 41.9028, 12.4964 near the port.",
    "Between 2019-2025 the network earned 1.200.000 euros.",
    "Law No. 2015-1234 and Decree 2016/789 apply.",
    "The vehicle AB-123-CD was stopped on the A7.",
    "Postcode 75011 Paris; 28013 Madrid; 1000-001 Lisboa.",
    "Invoice 20260001234 was paid.",
    "El vuelo IB 6843 llegó a Madrid el 3 de marzo de 2026.",
    "Перевод 150 000 рублей был сделан 12.01.2026.",
    "Обвиняемый задержан, протокол № 1234567 от 10.03.2026.",
    "تم دفع 15000 درهم يوم 12 مارس 2026.",
    "O inquérito 1234567/2026 foi instaurado em 5 de abril de 2026.",
    "ISBN 978-3-16-148410-0 was cited.",
    "Population 1 234 567 in 2025; samples 123456 and 654321 were analysed.",
    "The victims (3) and suspects (12) were listed; 2 500 000 XOF seized.",
    "She arrived on 2026-03-14 and left on 2026-04-01.",
    "Version 2.14.03.2001 of the software.",
]


@pytest.mark.parametrize("text", BIRTH)
def test_dates_of_birth_after_inflected_cues(text: str) -> None:
    """A full date near a birth cue in any inflection (pt, ru, ar, fr, es, en) blocks."""
    assert "date_of_birth" in scan(text)


@pytest.mark.parametrize("text", PHONES)
def test_phones_in_national_format_and_far_from_cues(text: str) -> None:
    """Phones with dashes, dots, brackets, inflected cues or none, Arabic-Indic digits."""
    assert "phone" in scan(text)


def test_bare_national_number_needs_its_region() -> None:
    """A number without a trunk prefix or cue is read for the message's regions only."""
    text = "Llamaba desde el 612.34.56.78 por la noche."
    assert scan(text) == []
    assert scan(text, regions=["ES"]) == ["phone"]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_documents_split_validated_or_after_cues(text: str) -> None:
    """Split numbers, national ids with check digits, numbers after document cues."""
    assert "document" in scan(text)


@pytest.mark.parametrize(("text", "kind"), OTHERS)
def test_other_peoples_identifiers_block_on_their_own(text: str, kind: str) -> None:
    """Patterns stand on their own: no protected person is needed."""
    assert scan(text) == [kind]


@pytest.mark.parametrize("text", CLEAN)
def test_look_alike_numbers_do_not_block(text: str) -> None:
    """Case and court references, amounts, years, statutes and flights pass."""
    assert scan(text, names=["Blessing Okafor"]) == []


def test_checks_and_shapes_decide_without_cue() -> None:
    """Without a cue a national id must pass its check digits and a letter shape must
    be written in capitals."""
    assert scan("Código 12345678A del lote.") == []  # wrong DNI letter
    assert scan("CPF 123.456.789-00") == ["document"]  # after a cue, whatever the check
    assert scan("Lote 123.456.789-00 do armazém.") == []  # no cue, wrong check digits
    assert scan("Lote 123.456.789-09 do armazém.") == ["document"]
    assert scan("code ab123456 in the log") == []
    assert scan("code AB123456 in the log") == ["document"]


NAMES = [
    # (person, text, blocks)
    (ProtectedPerson(names=("Marie Saint-Fleur",)), "Transférée à Saint-Domingue.", False),
    (ProtectedPerson(names=("Marie Saint-Fleur",)), "Mme Saint-Fleur a été entendue.", True),
    (ProtectedPerson(names=("ليلى أحمد",)), "كانت الرحلة ليلية والعمل ليلي في المصنع", False),
    (ProtectedPerson(names=("ليلى أحمد",)), "قالت ليلى أحمد إنها خائفة", True),
    (ProtectedPerson(names=("أسماء بن علي",)), "تم تسجيل أسماء المتهمين في المحضر", False),
    (ProtectedPerson(names=("أسماء بن علي",)), "صرحت الضحية أسماء بأنها خائفة", True),
    (ProtectedPerson(names=("علي حسن",)), "تم العثور على الضحية على الحدود", False),
    (
        ProtectedPerson(names=("Graça Esperança da Silva",), family_names=("da Silva",)),
        "Viveu com graça e esperança até ser resgatada.",
        False,
    ),
    (
        ProtectedPerson(names=("Graça Esperança da Silva",), family_names=("da Silva",)),
        "A vítima Graça chegou em 2025.",
        True,
    ),
    (
        ProtectedPerson(names=("Graça Esperança da Silva",), family_names=("da Silva",)),
        "A família silva ajudou.",
        True,
    ),
    (ProtectedPerson(names=("Vitória Luz Rosa",)), "Foi uma vitória da luz; a rosa ficou.", False),
    (ProtectedPerson(names=("Maria do Socorro Santos",)), "Pediu socorro à polícia.", False),
    (ProtectedPerson(names=("Maria do Socorro Santos",)), "Maria do Socorro pediu ajuda.", True),
    (
        ProtectedPerson(names=("Espoir Kabeya",), family_names=("Kabeya",)),
        "Elle garde l'espoir de reprendre ses études.",
        False,
    ),
    (
        ProtectedPerson(names=("Adaeze Okafor",), family_names=("Okafor",)),
        "okafor said she was afraid.",
        True,
    ),
    (
        ProtectedPerson(names=("Adaeze Okafor",), family_names=("Okafor",)),
        "We met Adaeze at the shelter.",
        True,
    ),
    (ProtectedPerson(names=("Adaeze Okafor",)), "Adaeze said she was afraid.", True),
    (
        ProtectedPerson(names=("Вера Смирнова",), family_names=("Смирнова",)),
        "Вера в будущее помогла ей.",
        False,
    ),
    (ProtectedPerson(names=("Esperanza Ruiz",)), "Vivía con la esperanza de volver.", False),
]


@pytest.mark.parametrize(("person", "text", "blocks"), NAMES)
def test_name_tokens_that_are_words_or_particles(
    person: ProtectedPerson, text: str, blocks: bool
) -> None:
    """Particles and common words never block alone; with known family names a given
    name needs a cue, a capital or a neighbouring name token."""
    assert (Scanner([person]).scan(text) == ["victim_name"]) is blocks


def test_findings_give_every_span_in_the_original_text() -> None:
    """Every finding, with offsets into the text as given (accents, marks, digits of
    other scripts and expansions such as "ß" included), never a value."""
    person = ProtectedPerson(names=("Fatima Weiß",), identifiers=(("phone", "+2348035550199"),))
    text = "Frau WEISS — Éloïse’s friend — rief ٠٨٠٣ ٥٥٥ ٠١٩٩ an; Mail: x.y@mail.ng."
    found = Scanner([person]).findings(text)
    spans = {(f.kind, text[f.start : f.end]) for f in found}
    assert ("victim_name", "WEISS") in spans
    assert ("phone", "٠٨٠٣ ٥٥٥ ٠١٩٩") in spans
    assert ("email", "x.y@mail.ng") in spans
    assert all(isinstance(f, Finding) for f in found)
    assert [f.start for f in found] == sorted(f.start for f in found)


def test_spans_through_marks_and_presentation_forms() -> None:
    """Decomposed accents, Arabic marks, tatweel and format characters keep spans exact."""
    text = "Je\u0301ro\u0302me a\u200bppelle le ٠٦ ١٢ ٣٤ ٥٦ ٧٨; فاطِمـة شهدت"
    person = ProtectedPerson(names=("Jérôme Diallo", "فاطمة"))
    found = Scanner([person]).findings(text)
    pieces = [text[f.start : f.end] for f in found]
    assert pieces == ["Je\u0301ro\u0302me", "٠٦ ١٢ ٣٤ ٥٦ ٧٨", "فاطِمـة"]


def test_minimise_findings_with_regions() -> None:
    """`regions` and the victims' countries let national numbers be read; every finding
    has field, kind and span; the message names none of the values."""
    victim = Victim(
        ref="V1",
        identity=PersonIdentity(names=["Adaeze Okafor"]),
        needs=["call 912 345 678 first", "shelter"],
    )
    body = CaseReferral(summary="Okafor kept passport BA057 958.", victims=[victim])
    with pytest.raises(IdentifierInFreeText) as caught:
        minimise(body, linkage_key=LinkageKey(bytes(32)), today=dt.date(2026, 5, 1), regions=["PT"])
    error = caught.value
    assert (error.field, error.identifier) == ("summary", "victim_name")
    assert error.findings == (
        FieldFinding("summary", "victim_name", 0, 6),
        FieldFinding("summary", "document", 21, 30),
        FieldFinding("victims[0].needs[0]", "phone", 5, 16),
    )
    for value in ("Okafor", "BA057", "912"):
        assert value not in str(error)


def test_gateway_problem_lists_every_finding() -> None:
    """The gateway's 422 problem carries field, kind and span of each finding."""
    error = IdentifierInFreeText(
        "summary",
        "phone",
        (FieldFinding("summary", "phone", 4, 15), FieldFinding("summary", "email", 20, 31)),
    )
    problem = _refused(error).problem
    assert isinstance(problem, Problem)
    assert problem.field == "summary"
    assert [(f.field, f.kind, f.start, f.end) for f in problem.findings or []] == [
        ("summary", "phone", 4, 15),
        ("summary", "email", 20, 31),
    ]


def test_format_ranges_match_the_character_database() -> None:
    """The pinned list of format characters is the running database's `Cf` set."""
    listed = {c for low, high in FORMAT_RANGES for c in range(low, high + 1)}
    assert listed == {c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}


def test_scan_fold_is_per_code_point() -> None:
    """Folding each code point alone gives the same lengths as folding the whole text,
    which is what makes spans exact."""
    text = "Ǆemal İstanbul ﬁ Straße Ёлкина فاطِمـة ٠١٢ \u200e№5 e\u0301"
    assert scan_fold(text) == "".join(scan_fold(c) for c in text)
    folded = Folded(text)
    start = folded.folded.index("istanbul")
    assert text[slice(*folded.span(start, start + 8))] == "İstanbul"


DOC = Path(__file__).resolve().parents[1] / "docs" / "minimisation.md"


def test_cue_lists_in_the_specification_are_the_code_s() -> None:
    """docs/minimisation.md lists exactly the cue words, particles, titles and default
    regions the scanner uses, so a gateway in another language can implement them."""
    lines = {
        line[2:].split(": ", 1)[0]: line[2:].split(": ", 1)[1]
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("* ") and ": " in line and "|" in line
    }
    lists = {
        "Birth": words.BIRTH_CUE_WORDS,
        "Phone": words.PHONE_CUE_WORDS,
        "Helpline": words.HELPLINE_CUE_WORDS,
        "Number": words.NUMBER_CUE_WORDS,
        "Number abbreviations": words.NUMBER_ABBREVIATION_WORDS,
        "Document": words.DOCUMENT_CUE_WORDS,
        "Reference": words.REFERENCE_CUE_WORDS,
        "Account": words.ACCOUNT_CUE_WORDS,
        "Street words before": words.STREET_WORDS_BEFORE,
        "Street words after": words.STREET_WORDS_AFTER,
        "Street words after a number only": words.STREET_WORDS_NUMBER_FIRST,
        "Currency": words.CURRENCY_CUE_WORDS,
    }
    for name, code in lists.items():
        assert set(words.cue_words(lines[name])) == set(code), name
    assert words._folded(lines["Name particles"]) == words.NAME_PARTICLES
    assert words._folded(lines["Titles and role words"]) == words.TITLES
    assert words._folded(lines["Place and ordinary words"]) == words.PLACE_WORDS
    assert words._folded(lines["Reporting verbs"]) == words.REPORTING_WORDS
    assert words._folded(lines["Issuance verbs"]) == words.ISSUANCE_WORDS
    assert f"`DEFAULT_REGIONS` ({', '.join(DEFAULT_REGIONS[:4])}," in " ".join(
        DOC.read_text(encoding="utf-8").split()
    )


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=80)
    | st.lists(
        st.sampled_from(
            [
                *("0803", " ", "555", "-", "+", "14", "/", "03", "2008", "مارس", "كانون  الثاني"),
                *("born", "passport", "A", "BA057", "é", "\u0301", "ﬁ", "٠", "@x.io", "case"),
            ]
        ),
        max_size=20,
    ).map("".join)
)
def test_findings_never_raise_and_stay_in_the_text(text: str) -> None:
    """Any text: no exception, and every span lies inside the text (property)."""
    scanner = Scanner(
        [ProtectedPerson(names=("Adaeze Okafor",), identifiers=(("phone", "+2348035550199"),))]
    )
    for finding in scanner.findings(text):
        assert 0 <= finding.start < finding.end <= len(text)


def test_seal_reads_numbers_for_the_sender_and_recipients_countries() -> None:
    """`seal` passes the countries of the sender's and recipients' authority ids as
    regions: a bare Spanish mobile number blocks in a message to Spain only."""
    text = "Llamaba desde el 612.34.56.78 por la noche."
    body = CaseReferral(summary=text, victims=[Victim(ref="V1")])
    sender = AuthorityKeys.generate("ng-naptip")
    italy = AuthorityKeys.generate("it-ddapalermo").recipient
    spain = AuthorityKeys.generate("es-policia").recipient
    seal(body, sender=sender, recipients=[italy])
    with pytest.raises(IdentifierInFreeText) as caught:
        seal(body, sender=sender, recipients=[italy, spain])
    assert caught.value.findings == (FieldFinding("summary", "phone", 17, 29),)


def test_minimise_reads_numbers_for_the_victims_countries() -> None:
    """A victim's nationality makes its national numbers readable in free text."""
    text = "Llamaba desde el 612.34.56.78 por la noche."
    today = dt.date(2026, 5, 1)
    minimise(CaseReferral(summary=text, victims=[Victim(ref="V1")]), linkage_key=None, today=today)
    spanish = CaseReferral(summary=text, victims=[Victim(ref="V1", nationality="ES")])
    with pytest.raises(IdentifierInFreeText):
        minimise(spanish, linkage_key=None, today=today)


def test_own_identifiers_without_digits_are_found_in_text_without_digits() -> None:
    """A protected document or e-mail of letters only is found in text with no digit."""
    person = ProtectedPerson(
        identifiers=(("document", "ABCDEFGH"), ("email", "ana@mail.pt"), ("phone", "+351912345678"))
    )
    found = Scanner([person]).scan("Documento abcdefgh e correio ANA@mail.pt.", patterns=False)
    assert found == ["document", "email"]
