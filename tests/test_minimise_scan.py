"""Free-text scanning: protected names and identifiers, and identifier patterns."""

# Arabic and Cyrillic test data is the point of these tests:
# ruff: noqa: RUF001

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.minimise import ProtectedPerson, Scanner, scan

CLEAN = {
    "en": (
        "The victim, a 17-year-old female national of Nigeria, was recruited in Benin City "
        "in March 2025 with the promise of work as a hairdresser. She travelled via Agadez "
        "and Tripoli and was exploited in prostitution in Palermo until her identification "
        "on 14 February 2026. The recruiter demanded EUR 35 000. Offences under art. 3 of "
        "the Trafficking Protocol and art. 18(15) UNTOC; see MLA/2026/0042."
    ),
    "fr": (
        "La victime, de nationalité camerounaise, a été recrutée à Douala en 2024 pour un "
        "emploi de domestique. Elle a été hébergée à Lyon et privée de son passeport. Les "
        "faits ont été constatés le 3 mars 2026. Somme réclamée : 12 000 euros. Dossier "
        "n° 2026/117, art. 225-4-1 du code pénal."
    ),
    "es": (
        "La víctima, de nacionalidad paraguaya, fue captada en Asunción en 2025 con una "
        "oferta de trabajo en hostelería y explotada laboralmente en Murcia. Fue "
        "identificada el 21 de enero de 2026. Se pagaron 4.500 euros al captador. Diligencias "
        "previas 118/2026, art. 177 bis del Código Penal."
    ),
    "ar": (
        "تم تجنيد الضحية في الدار البيضاء سنة 2025 بوعد العمل في مصنع، ونقلت عبر طنجة إلى "
        "إسبانيا حيث تم استغلالها في العمل القسري. تم التعرف عليها يوم 14 فبراير 2026. "
        "طالب الوسيط بمبلغ 3000 يورو."
    ),
    "ru": (
        "Потерпевшая, гражданка Узбекистана, была завербована в Ташкенте в 2024 году под "
        "предлогом работы в швейном цехе и доставлена в Москву, где её принуждали к труду. "
        "Освобождена 10 марта 2026 г. Возбуждено уголовное дело № 12401450001000123 по "
        "ст. 127.1 УК РФ."
    ),
}


@pytest.mark.parametrize("language", sorted(CLEAN))
def test_clean_referrals_pass(language: str) -> None:
    """Realistic referral texts without identifiers give no hit in any of five languages."""
    names = {
        "en": ["Blessing Okafor"],
        "fr": ["Hélène Lefèvre"],
        "es": ["Esperanza Ruiz Benítez"],
        "ar": ["فاطمة الزهراء"],
        "ru": ["Наталья Ёлкина"],
    }[language]
    assert scan(CLEAN[language], names=names, identifiers=[]) == []


BLOCKED = [
    # (text, protected names, protected identifiers, expected kind)
    ("Blessing Okafor was recruited in Benin City.", ["Blessing Okafor"], [], "victim_name"),
    ("The recruiter told OKAFOR to pay.", ["Blessing Okafor"], [], "victim_name"),
    ("Mme Lefèvre a été recrutée à Douala.", ["Hélène Lefèvre"], [], "victim_name"),
    ("La víctima Esperanza Ruiz fue captada.", ["Esperanza Ruiz"], [], "victim_name"),
    ("تم التعرف على فاطمة الزهراء في طنجة", ["فاطِمة الزَّهْراء"], [], "victim_name"),
    ("وصرحت لفاطمة بأن العمل متوفر", ["فاطمة الزهراء"], [], "victim_name"),
    ("Показания Натальи Ёлкиной приобщены к делу.", ["Наталья Ёлкина"], [], "victim_name"),
    ("Her number is +234 803 555 0199.", [], [], "phone"),
    ("Elle est joignable au 06 12 34 56 78.", [], [], "phone"),
    ("Su teléfono es 612 34 56 78.", [], [], "phone"),
    ("رقم الهاتف ٠٨٠٣ ٥٥٥ ٠١٩٩", [], [], "phone"),
    ("Телефон потерпевшей 8 (916) 123-45-67.", [], [], "phone"),
    ("Contact via 0044 20 7946 0958 only.", [], [], "phone"),
    ("She holds passport A12345678.", [], [], "document"),
    ("Passeport n° 12AB34567 confisqué.", [], [], "document"),
    ("DNI 12345678Z, retenido por el captador.", [], [], "document"),
    ("رقم جواز السفر P1234567", [], [], "document"),
    ("Паспорт 4510 123456 изъят.", [], [], "document"),
    ("Salary paid to GB82 WEST 1234 5698 7654 32.", [], [], "bank_account"),
    ("Virement sur FR14 2004 1010 0505 0001 3M02 606.", [], [], "bank_account"),
    ("Write to blessing.okafor@example.com for updates.", [], [], "email"),
    ("Blessing was born on 14 March 2008 in Benin City.", [], [], "date_of_birth"),
    ("DOB: 14/03/2008.", [], [], "date_of_birth"),
    ("Elle est née le 14/03/2008 à Douala.", [], [], "date_of_birth"),
    ("Nacida el 14 de marzo de 2008 en Asunción.", [], [], "date_of_birth"),
    ("تاريخ الميلاد: ١٤/٠٣/٢٠٠٨", [], [], "date_of_birth"),
    ("Родилась 14 марта 2008 г. в Ташкенте.", [], [], "date_of_birth"),
    # Protected identifiers, written differently from the record.
    ("Reached her on 803-555-0199.", [], ["+234 803 555 0199"], "phone"),
    (
        "Account WEST12345698765432 was emptied.",
        [],
        ["GB82 WEST 1234 5698 7654 32"],
        "bank_account",
    ),
    ("Document a-1234-567 was found.", [], ["A1234567"], "document"),
    ("Seen on 14.03.2008 at the station.", [], ["2008-03-14"], "date_of_birth"),
    ("Mail: BLESSING.O@EXAMPLE.COM", [], ["blessing.o@example.com"], "email"),
    ("She lived at 12 rue de la Paix.", [], [("address", "12 Rue de la Paix, Paris")], "address"),
]


@pytest.mark.parametrize(("text", "names", "identifiers", "kind"), BLOCKED)
def test_identifiers_are_found(
    text: str, names: list[str], identifiers: list[str | tuple[str, str]], kind: str
) -> None:
    """Names, protected identifiers and identifier patterns are reported by kind."""
    assert kind in scan(text, names=names, identifiers=identifiers)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("She found grace and hope at the shelter.", "Grace Adeyemi"),
        ("We hope she will testify; there is hope.", "Hope Eze"),
        ("Grace under pressure, she said, was her motto.", "Grace Adeyemi"),
        ("وقالت إن لديها أمل كبير في العودة إلى أسرتها", "أمل حسن"),
        ("كان نور الشمس قويا", "نور الهدى"),
        ("У неё была вера в будущее и надежда на помощь.", "Вера Смирнова"),
        ("Вера в будущее помогла ей.", "Вера Смирнова"),
        ("Vivía con la esperanza de encontrar trabajo y paz.", "Esperanza Ruiz"),
        ("Elle a prié pour la paix avec joie.", "Joie Mbala"),
        ("She showed patience and faith.", "Patience Faith"),
    ],
)
def test_common_word_names_do_not_block_as_words(text: str, name: str) -> None:
    """A given name that is also a word does not block where it is used as a word."""
    assert scan(text, names=[name], identifiers=[]) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("She spoke to Grace at the shelter.", "Grace Adeyemi"),
        ("the victim grace said nothing", "Grace Adeyemi"),
        ("Grace Adeyemi said nothing.", "Grace Adeyemi"),
        ("grace adeyemi said nothing.", "Grace Adeyemi"),
        ("Mrs Hope stayed.", "Hope Eze"),
        ("شهادة أمل حسن", "أمل حسن"),
        ("وقالت السيدة أمل", "أمل حسن"),
        ("Потерпевшая Вера дала показания.", "Вера Смирнова"),
        ("Допрошена свидетель Вера Смирнова.", "Вера Смирнова"),
        ("Declaró que Esperanza de la Cruz la acompañaba.", "Esperanza de la Cruz"),
        ("She showed patience faith and calm.", "Patience Faith"),
        ("Grace said she was afraid.", "Grace Adeyemi"),
    ],
)
def test_common_word_names_block_as_names(text: str, name: str) -> None:
    """A common-word name blocks next to another name token, after a title, next to a
    reporting verb, or capitalised mid-sentence."""
    assert scan(text, names=[name], identifiers=[]) == ["victim_name"]


def test_uncommon_tokens_block_alone_in_any_case() -> None:
    """Family names and uncommon given names block on their own, in any case."""
    for text in ("okafor said", "OKAFOR said", "Okafor said", "statement by Adaeze"):
        assert scan(text, names=["Adaeze Okafor"], identifiers=[]) == ["victim_name"]


def test_name_particles_and_initials_do_not_block() -> None:
    """Particles (de, la, al, بن) and one-letter initials never block by themselves."""
    text = "La víctima de la red, J. y al menos otra, declaró."
    assert scan(text, names=["Jimena de la Vega", "Ali bin Zayed al Harthy"], identifiers=[]) == []


@pytest.mark.parametrize(
    "text",
    [
        "In 2024 and 2025 the network moved 40 victims; 1 200 000 naira changed hands.",
        "Offences under art. 18(15) UNTOC and article 6(1) of the Protocol.",
        "Our reference MLA/2026/0042, your reference 2026-INT-117.",
        "Paid USD 150000000 and EUR 45.000 in total, 12,500 GBP later.",
        "On 14 March 2026 at 10:30 she left the flat; on 06.12.2025 she arrived.",
        "She was born in Benin City. On 14 March 2026 she was recruited.",
        "Dossier n° 2026/117 ouvert le 3 mars 2026, art. 225-4-1 du code pénal.",
        "Уголовное дело № 12401450001000123 возбуждено 10 марта 2026 г.",
        "Case 2026/0042 concerns 3 victims aged 15-17 and 25-34.",
    ],
)
def test_no_false_positive_on_years_statutes_references_amounts_dates(text: str) -> None:
    """Years, statute and case references, amounts and incident dates are not hits."""
    assert scan(text, names=[], identifiers=[]) == []


def test_bare_digit_run_is_no_document() -> None:
    """An all-digit reference of 9 to 15 digits without a document cue, a national id's
    check digits or a valid phone number's shape is not a document (it used to block)."""
    assert scan("Ref 240145000123", names=[], identifiers=[]) == []
    assert scan("Code 240145000123 on the file.", names=[], identifiers=[]) == []


def test_iban_needs_a_valid_check() -> None:
    """An IBAN-shaped string with a wrong mod-97 check is not an IBAN."""
    assert scan("Ref GB83 WEST 1234 5698 7654 32.", names=[], identifiers=[]) == []


def test_dni_needs_its_check_letter() -> None:
    """A Spanish DNI with the wrong check letter is not reported."""
    assert scan("Código 12345678A del lote.", names=[], identifiers=[]) == []


def test_protected_dob_matches_in_any_written_form() -> None:
    """The person's own date of birth is found however written, even without a keyword."""
    for text in ("on 14 March 2008", "el 14 de marzo de 2008", "14.03.08", "2008/03/14"):
        assert scan(text, names=[], identifiers=["2008-03-14"]) == ["date_of_birth"]


def test_other_dates_are_not_the_protected_dob() -> None:
    """A different date in the text does not match the protected date of birth."""
    assert scan("identified on 15 March 2008", names=[], identifiers=["2008-03-14"]) == []


def test_scanner_groups_names_per_person() -> None:
    """Adjacency counts within one person: two people's common names side by side do not
    block, one person's two names do."""
    scanner = Scanner(
        [ProtectedPerson(names=("Grace Adeyemi",)), ProtectedPerson(names=("Hope Eze",))]
    )
    assert scanner.scan("amazing grace hope remains") == []
    joined = Scanner([ProtectedPerson(names=("Grace", "Hope"))])
    assert joined.scan("amazing grace hope remains") == ["victim_name"]


def test_results_are_kinds_never_values() -> None:
    """scan returns kind names only, each once, in the order found."""
    text = "Blessing Okafor, +234 803 555 0199, blessing@example.com, again +234 803 555 0199"
    kinds = scan(text, names=["Blessing Okafor"], identifiers=["+234 803 555 0199"])
    assert kinds == ["victim_name", "phone", "email"]


@given(st.text(), st.text(max_size=30), st.text(max_size=30))
def test_scan_never_raises(text: str, name: str, identifier: str) -> None:
    """scan accepts any text, names and identifiers without raising (property)."""
    kinds = scan(text, names=[name], identifiers=[identifier, ("address", identifier)])
    assert all(isinstance(kind, str) for kind in kinds)
