"""The scanner's rules for look-alikes and the classes it used to miss, in six languages.

Each test names a rule of docs/minimisation.md ("Free-text scanning") and checks it on
invented texts: what must block, and the look-alike that must pass.
"""

# Arabic and Cyrillic text is the point of these tests:
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import pytest

from schemas.minimise import ProtectedPerson, Scanner, scan
from schemas.minimise.scan import family_tokens


def _kinds(text: str, regions: tuple[str, ...] = ()) -> list[str]:
    return scan(text, regions=regions)


@pytest.mark.parametrize(
    "text",
    [
        "The vessel IMO 9554428 was boarded in the Solent.",
        "Le navire (IMO 9613958) a été contrôlé à Marseille.",
        "Procédure n° 06409/2024 ouverte au parquet.",
        "Processo 2024-85434 distribuído à 3.ª vara.",
        "Nos termos da Lei n.º 13.344/2016, o inquérito prossegue.",
        "القضية رقم ٢٠٢٦/٢٦١٠/١٧١ أمام المحكمة.",
        "Дело в Казахстане — ЕРДР № 261500031000123.",
        "Expediente NIG 2807942120250012345, juzgado de instrucción.",
        "He had 912345 points in the game.",
    ],
)
def test_references_and_bare_runs_are_not_phones(text: str) -> None:
    """A bare run (no +, 00, trunk prefix or phone cue) needs nine digits and validity
    for the message's regions; after a reference cue or number abbreviation, or joined
    to a year by / or -, a number is a reference."""
    assert "phone" not in _kinds(text, ("GB", "FR", "PT", "BR", "MA", "RU", "KZ", "ES"))


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("She was reached on 07700 900123 last week.", ("GB",)),
        ("Il l'appelait au 06 12 34 56 78.", ("FR",)),
        ("Llámela al 612 345 678 si hace falta.", ("ES",)),
        ("O número 912 345 678 era dela.", ("PT",)),
        ("وذكرت رقماً آخر هو (٧١) ٩٢١ ٠٠٧ لا يجوز نشره.", ("LB",)),
        ("Звонила с номера 8 916 123-45-67.", ("RU",)),
        ("Phone no. 0803 123 4567 was hers.", ("NG",)),
        ("Case 2024/17: her number +234 803 123 2019 was seized.", ("NG",)),
    ],
)
def test_phones_still_block(text: str, regions: tuple[str, ...]) -> None:
    """Phones written as phones are (cue, trunk prefix, +, area code in brackets)."""
    assert "phone" in _kinds(text, regions)


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("OKAFOR Blessing", {"okafor"}),
        ("Okafor, Blessing Ama", {"okafor"}),
        ("Каримова Дильноза Рашидовна", {"каримова"}),
        ("Дильноза Рашидовна Каримова", {"каримова"}),
        ("Дильноза Каримова", {"каримова"}),
        ("Esperanza Castaño Ruiz", {"castano", "ruiz"}),
        ("Maria da Conceição Santos", {"conceicao", "santos"}),
        ("مريم بن سالم", {"سالم"}),
        ("Adaeze", {"adaeze"}),
    ],
)
def test_family_names_inferred_from_unstructured_names(name: str, family: set[str]) -> None:
    """Capitals, a comma, Cyrillic patronymics and endings, else all tokens but the first."""
    assert family_tokens(name) == family


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("From Turin the group was taken by bus to Florence.", "Florence Nwachukwu"),
        ("She was housed in a hotel on Victoria Island, Lagos.", "Victoria Eghosa"),
        ("Therapy is funded by a project run with Hope for Justice.", "Hope Obi"),
        ("Le foyer de la rue Jean-Jaurès l'a hébergée.", "Nadège Jean-Baptiste"),
        ("Viajó en autobús desde La Paz hasta la frontera.", "Paz Ortega"),
        ("O contentor saiu do porto de Santos no dia seguinte.", "Joana Santos"),
        ("Passou por Fátima antes de chegar a Lisboa.", "Fátima Rodrigues"),
        ("Pediu socorro e foi levada ao pronto-socorro; a lima ficou.", "Maria do Socorro Lima"),
        ("Её перевезли в гостиницу «Виктория» в Подольске.", "Виктория Лебедева"),
        ("روت أمام المحققين قصة نجاة مؤلمة.", "نجاة الفاسي"),
        ("رفضت ذكر أسماء المجندين خوفا من الانتقام.", "أسماء بنعلي"),
        ("Vivían en una chabola a la vera de la carretera.", "Vera Salazar"),
    ],
)
def test_places_and_words_do_not_block_alone(text: str, name: str) -> None:
    """Places and ordinary words that are names, quoted names and foreign compounds."""
    assert scan(text, names=[name]) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Florence told the officers she was afraid.", "Florence Nwachukwu"),
        ("La víctima Paz declaró ante el juez.", "Paz Ortega"),
        ("Segundo Fátima, o aliciador ficou com o passaporte.", "Fátima Rodrigues"),
        ("Виктория заявила, что боится.", "Виктория Лебедева"),
        ("وأفادت نجاة بأنها تخشى الانتقام.", "نجاة الفاسي"),
        ("Nadège Jean-Baptiste a été entendue.", "Nadège Jean-Baptiste"),
        ("Le témoignage de Jean-Baptiste est joint.", "Nadège Jean-Baptiste"),
        ("Joana visitou Santos antes de fugir.", "Joana Santos"),
        ("The victim, Victoria, was moved to Luton.", "Victoria Eghosa"),
        ("Testemunha: Fátima, 17 anos.", "Fátima Rodrigues"),
    ],
)
def test_cued_common_word_names_block(text: str, name: str) -> None:
    """A title, role word, reporting verb or another name token nearby makes it a name."""
    assert scan(text, names=[name]) == ["victim_name"]


@pytest.mark.parametrize(
    "text",
    [
        "Вещи Орловой изъяты при обыске.",
        "С Светланой Орловой работает психолог.",
        "Показания Орловой Светланы приобщены.",
    ],
)
def test_russian_declined_family_names(text: str) -> None:
    """Feminine family names in -ова decline as adjectives (-ой, -у); й reads as и."""
    assert scan(text, names=["Светлана Орлова"]) == ["victim_name"]


def test_russian_adjectival_family_names() -> None:
    """-ская declines from its shorter stem: -ской, -скую."""
    for text in ("Показания Ковальской приобщены.", "Допросили Ковальскую."):
        assert scan(text, names=["Анна Ковальская"]) == ["victim_name"]


@pytest.mark.parametrize(
    "text",
    [
        "She was born in Benin City and on 14 March 2025 she was moved to Luton.",
        "Her birth certificate was issued on 14/02/2025 by the registry.",
        "Son acte de naissance a été délivré le 3 mars 2025 à Abidjan.",
        "La partida de nacimiento fue expedida el 14/02/2025 en Pereira.",
        "A certidão de nascimento foi emitida em 12/03/2025 pelo cartório.",
        "Свидетельство о рождении выдано 12.03.2025 органом ЗАГС.",
        "صدرت شهادة الميلاد المقدمة في ١٢/٠٣/٢٠٢٥ عن البلدية.",
        "Née à Douala, elle est arrivée le 3 mars 2025.",
    ],
)
def test_birth_cue_must_govern_the_date(text: str) -> None:
    """A clause break, a conjunction or an issuance verb between cue and date, or an
    issued certificate, makes the date no date of birth."""
    assert "date_of_birth" not in scan(text)


@pytest.mark.parametrize(
    "text",
    [
        "She was born in Lagos on 3 May 2007.",
        "Née à Douala le 3 mars 2007, elle a été recrutée.",
        "Nacida en Cali el 3 de mayo de 2007.",
        "Nascida aos 3 dias do mês de maio de 2006, em Belém.",
        "Родилась 12.03.2007 в Ташкенте.",
        "ولدت في حلب في ١٢/٠٣/٢٠٠٧",
        "Passenger list: Ms X (born 3 May 2007) boarded.",
        "Victim (DOB: 14/03/2008) was moved.",
        "Свидетельница (г.р. 12.03.2007) опрошена.",
    ],
)
def test_dates_of_birth_still_block(text: str) -> None:
    """Dates a birth cue governs, Brazilian notarial dates included."""
    assert "date_of_birth" in scan(text)


@pytest.mark.parametrize(
    "text",
    [
        "Her mother lives at 20 Adeola Odeku Street, Victoria Island.",
        "Sa mère réside 60 rue de la Guillotière, 69007 Lyon.",
        "Il logeait au 114 boulevard de la Villette.",
        "A mãe mora na Rua Voluntários da Pátria 388, apto 458.",
        "Vivía en la calle Mayor 12, segundo piso.",
        "Проживала по адресу: ул. Навои, д. 53, кв. 61.",
        "تقيم في شارع الحمراء، بناية 3، الطابق 4.",
        "حي الرياض، زنقة 13، رقم 32، الرباط.",
    ],
)
def test_street_addresses_of_anyone(text: str) -> None:
    """A house number with a street word and a street name, in six languages."""
    assert "address" in scan(text)


@pytest.mark.parametrize(
    "text",
    [
        "She rented a flat on Via Roma for a month.",
        "Worked 12 hours a day on the street near the station.",
        "Elle a passé 3 nuits dans la rue avant d'être recueillie.",
        "Pasó 3 semanas en la calle durante el invierno.",
        "Ficou na rua durante 5 dias.",
        "На улице она провела 3 дня.",
        "بقيت في الشارع لمدة 3 أيام.",
        "In 2019 Lagos State Road Safety officers stopped the bus.",
    ],
)
def test_streets_without_house_numbers_pass(text: str) -> None:
    """A street word alone, or a street and an unrelated number, is no address."""
    assert "address" not in scan(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("La encargada, con DNI 67.127.684-E, fue detenida.", "document"),
        ("الرقم القومي للوسيط 29805120101234 بحسب المحضر.", "document"),
        ("Courier 29805120101234 left the parcel.", "document"),
        ("Переводы шли на счёт 40817810843994581784.", "bank_account"),
        ("Средства поступали: 42307810500001234567.", "bank_account"),
        ("The adverts gave sandra.obaseki77 at gmail dot com as the contact.", "email"),
        ("Escriba a maria (arroba) correo (punto) es para citas.", "email"),
        ("Пишите: ivanova собака mail точка ru.", "email"),
        ("Bookings went through john at gmail.com only.", "email"),
    ],
)
def test_documents_accounts_and_obfuscated_emails(text: str, kind: str) -> None:
    """Spanish DNI with dots, the Egyptian national number's shape, Russian personal
    accounts, e-mail addresses written with words."""
    assert kind in scan(text)


@pytest.mark.parametrize(
    "text",
    [
        "He worked at hotel.com in Lagos for a year.",
        "She was 17 at school.in 2020 she left.",
        "عن طريق الوسيط رقم 3 وصلت إلى طنجة.",
        "She arrived at night. In the morning she left.",
        "Дело № 12401450001000123 передано в суд.",
        "Sumario 67.127.684-X, juzgado de instrucción.",
        "Она прилетела рейсом TK1193 25 августа.",
        "Il a pris le vol AF1234 56 minutes plus tard.",
    ],
)
def test_look_alikes_of_accounts_emails_and_documents_pass(text: str) -> None:
    """A word before "at" a domain, a DNI with a wrong letter, a 17-digit case number,
    a flight number followed by a date."""
    assert scan(text) == []


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("قدمت الجمعية المساعدة لأسماء وليلى بعد خروجهما من الشقة.", True),
        ("عادت الأخت إلى حلب، فليلى بقيت في الشقة.", True),
        ("تم تسجيل أسماء وعناوين المتهمين في المحضر.", False),
        ("كانت الرحلة ليلية والعمل ليلي في المصنع.", False),
        ("سجلت الشرطة أسماء الزبائن.", False),
    ],
)
def test_arabic_common_word_names_with_proclitics(text: str, blocks: bool) -> None:
    """Two protected persons' names joined by و, or a proclitic and a feminine verb."""
    found = scan(text, names=["أسماء بنعلي", "ليلى الحسيني"])
    assert (found == ["victim_name"]) is blocks


@pytest.mark.parametrize(
    "text",
    [
        "She travelled via Niamey 3 days later.",
        "The hearing took place March 3 in Luton.",
        "The trial opened in Room 4 Luton Crown Court.",
        "Pasó por la calle Mayor durante 3 horas.",
        "Morava perto da Rua Augusta em 2019.",
        "A lo largo de 3 años trabajó sin contrato.",
    ],
)
def test_street_look_alikes_pass(text: str) -> None:
    """A number after prose words, a year, or a court is no house number."""
    assert "address" not in scan(text)


def test_own_phone_found_in_national_form_of_a_short_plan() -> None:
    """A protected phone written internationally is looked for by its national number,
    whatever its length: "+216 20 867 908" is found as "20 867 908"."""
    scanner = Scanner([ProtectedPerson(identifiers=(("phone", "+216 20 867 908"),))])
    assert scanner.scan("Elle répondait au 20 867 908 le soir.", patterns=False) == ["phone"]


@pytest.mark.parametrize(
    ("text", "kind", "regions"),
    [
        ("A man whose national identity number, 62142774846, is on the lease.", "document", ()),
        ("يرجى عدم الاتصال بالضحية على الرقم ٢٠٨٦٧٩٠٨.", "phone", ("TN",)),
    ],
)
def test_identity_number_and_arabic_number_cues(
    text: str, kind: str, regions: tuple[str, ...]
) -> None:
    """ "national identity number" is a document cue; "الرقم" a number cue."""
    assert kind in scan(text, regions=regions)


def test_arabic_name_parts_across_bin() -> None:
    """In a script without capitals, two of the person's tokens across a particle."""
    assert scan("مريم بن سالم، المولودة في الدار البيضاء", names=["مريم بن سالم"]) == [
        "victim_name"
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Viajó en autobús hasta La Paz. Dijo que no volvería.", "Paz Ortega"),
        ("She stayed in Florence; said nothing more about it.", "Florence Nwachukwu"),
        ("Il a été entendu comme témoin. Victoire est une rue de Lyon.", "Victoire Mbala"),
    ],
)
def test_cues_do_not_reach_across_punctuation(text: str, name: str) -> None:
    """A reporting verb or a title counts only with white space between."""
    assert scan(text, names=[name]) == []


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("The modern slavery helpline 08000 121 700 is open day and night.", ("GB",)),
        ("Elle peut appeler le 0800 00 50 10, numéro vert gratuit.", ("FR",)),
        ("Горячая линия 8 800 200-01-22 работает круглосуточно.", ("RU",)),
        ("Call the helpline on +44 800 121 700.", ()),
    ],
)
def test_freephone_and_service_numbers_are_not_phones(text: str, regions: tuple[str, ...]) -> None:
    """A helpline is a service (libphonenumber's toll-free, premium-rate, shared-cost,
    universal access and voicemail types), not a person's line."""
    assert "phone" not in scan(text, regions=regions)


def test_every_address_of_a_text_is_found() -> None:
    """Addresses close together are each reported, with their spans."""
    text = (
        "Her aunt lives at 47 Sapele Road and her cousin at 12 Allen Avenue; the "
        "recruiter's sister rents 3 rue de la Paix in Lyon."
    )
    found = [text[f.start : f.end] for f in Scanner([]).findings(text) if f.kind == "address"]
    assert found == ["47 Sapele Road", "12 Allen Avenue", "3 rue de la Paix"]


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("The charity's helpline, 0207 946 0958, is open at night.", ("GB",)),
        ("Le numéro vert de l'association, le 01 45 67 89 10, répond jour et nuit.", ("FR",)),
        ("La línea de ayuda de la fundación (91 123 45 67) atiende las 24 horas.", ("ES",)),
        ("A linha de apoio da associação, 21 123 4567, funciona todos os dias.", ("PT",)),
        ("يمكن الاتصال بالرقم الأخضر للجمعية 0522 123 456 في أي وقت.", ("MA",)),
        ("Телефон доверия центра — 8 495 123-45-67, круглосуточно.", ("RU",)),
    ],
)
def test_helpline_numbers_are_not_a_persons_phone(text: str, regions: tuple[str, ...]) -> None:
    """A number after a helpline cue (hotline, numéro vert, línea de ayuda, linha de
    apoio, الرقم الأخضر, телефон доверия), up to 60 characters before it in the same
    sentence and with no nearer phone cue, is an institution's line."""
    assert "phone" not in _kinds(text, regions)


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("The helpline passed on her mobile number, 07700 900123, to the police.", ("GB",)),
        ("Appelez la hotline ; son portable est le 06 12 34 56 78.", ("FR",)),
    ],
)
def test_a_phone_cue_nearer_than_the_helpline_cue_still_blocks(
    text: str, regions: tuple[str, ...]
) -> None:
    """The nearest cue decides: a person's phone named after a helpline still blocks."""
    assert "phone" in _kinds(text, regions)


def test_postal_codes_and_flight_numbers_are_no_phone_or_address() -> None:
    """A Brazilian postal code (5-3 digits) is no phone; a street-word abbreviation with
    numbers only ("vuelo AV 010 el 19/02") is no address, while a full street word named
    by a number ("Carrera 9 # 82-51") is."""
    assert _kinds("Foi levada para um apartamento em 01310-100 São Paulo.", ("BR",)) == []
    assert _kinds("Viajó en el vuelo AV 010 el 19/02/2024 a Madrid.", ("ES", "CO")) == []
    assert _kinds("Vivía en la Carrera 9 # 82-51 de Bogotá.", ("CO",)) == ["address"]


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("El captador vivió en Los Ángeles durante años.", False),
        ("Se entrevistó a la señora Ángeles en Madrid.", True),
        ("Ayer hablamos con Ángeles en la comisaría.", True),
        ("La marina mercante colaboró en la inspección.", False),
        ("El informe de Marina llegó tarde.", True),
    ],
)
def test_common_words_in_other_proper_nouns_and_inferred_family_names(
    text: str, blocks: bool
) -> None:
    """A common-word name right after another capitalised word that is no protected
    name is part of another proper noun; an inferred family token ("Marina" of "Luz
    Marina Ocampo", read as a family name) blocks only written with a capital."""
    names = ["Ángeles Sanabria"] if "ngeles" in text else ["Luz Marina Ocampo"]
    assert (scan(text, names=names) == ["victim_name"]) is blocks


def test_maghreb_month_names_in_a_date_of_birth() -> None:
    """Moroccan month names (غشت, يوليوز, شتنبر, نونبر, دجنبر) read as months."""
    assert _kinds("وهي من مواليد 12 غشت 2006 بمدينة فاس.") == ["date_of_birth"]
    assert _kinds("من مواليد 3 دجنبر 2004.") == ["date_of_birth"]
