"""Hand-written hard cases of the held-out corpus. Identifiers are marked inline as
`[[kind:owner|text]]`; everything else is clean text. Every person, number and address
is invented (phone numbers are valid in their country's numbering plan, check digits
are correct)."""

# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

from .text import assemble, parse


def _p(names: list[str], family: list[str], *identifiers: tuple[str, str]) -> dict[str, Any]:
    return {"names": names, "family_names": family, "identifiers": [list(i) for i in identifiers]}


# (lang, regions, persons, classes, marked text)
CASES: list[tuple[str, list[str], list[dict[str, Any]], list[str], str]] = [
    # --- English
    (
        "en",
        ["GB", "NG"],
        [_p(["Blessing Okafor"], [], ("date_of_birth", "2005-07-19"))],
        ["name_in_brackets", "dob_numeric"],
        "The young woman (referred to below as [[victim_name:victim|Okafor]]) gave her date of "
        "birth as [[date_of_birth:victim|19/07/05]]; the age assessment is pending.",
    ),
    (
        "en",
        ["GB", "AL"],
        [_p(["Elira Dervishi"], ["Dervishi"])],
        ["name_given_cued", "suspect_name", "phone_separators"],
        "[[victim_name:victim|Elira]]'s controller, Gjergj Marku alias 'the Uncle', "
        "used [[phone:other|+355 69 "
        "412 7790]] and later a UK SIM; [[victim_name:victim|Dervishi]] identified him from a "
        "photograph.",
    ),
    (
        "en",
        ["GB", "VN"],
        [_p(["Tran Thi Hoa"], [])],
        ["case_number", "year", "suspect_name"],
        "Cannabis farm, Unit 4: the gardener was found on 03/11/2025 at 06:10. The case was "
        "joined to T20257712 and to Operation Larkspur (2024-2025). Nguyen Van Duc, 41, was "
        "charged.",
    ),
    (
        "en",
        ["GB", "NG"],
        [_p(["Grace Udoh"], [])],
        ["common_word_name", "amount"],
        "By the grace of a neighbour the women had food; the debt was said to be ₦3,500,000, "
        "and the madam kept a book of what each owed.",
    ),
    (
        "en",
        ["GB", "ER"],
        [_p(["Semhar Tesfay"], [])],
        ["name_with_title", "dob_other_person"],
        "Our client [[victim_name:victim|Semhar]] travelled with a cousin, d.o.b. "
        "[[date_of_birth:other|02.11.2003]], who is now in Calais.",
    ),
    # --- French
    (
        "fr",
        ["FR", "CI"],
        [_p(["Adjoua Kouassi", "Adjoua Yao"], [], ("date_of_birth", "2001-04-03"))],
        ["name_nee", "name_with_title", "dob_words"],
        "Mme [[victim_name:victim|Yao]], née [[victim_name:victim|Kouassi]] le "
        "[[date_of_birth:victim|3 avril 2001]] à "
        "Bouaké, est arrivée en France par l'Espagne.",
    ),
    (
        "fr",
        ["FR", "NG"],
        [_p(["Joy Idahosa"], [])],
        ["common_word_name", "case_number"],
        "La joie des éducatrices était visible : le parquet (n° 25123004567) a ordonné le "
        "placement, et le juge des enfants l'a confirmé le 14/02/2026.",
    ),
    (
        "fr",
        ["FR", "MA"],
        [_p(["Salma Ouchen"], [])],
        ["document_national_id", "phone_national"],
        "La logeuse, titulaire de la CIN [[document:other|BE874412]], répondait au "
        "[[phone:other|06 61 48 22 90]].",
    ),
    (
        "fr",
        ["BE", "FR"],
        [_p(["Nadia Benali"], ["Benali"])],
        ["institution_phone", "amount"],
        "Le SPF Justice rappelle que la ligne d'écoute de Payoke (03 201 16 90) est gratuite ; "
        "l'amende "
        "prononcée s'élève à 8 000 euros par victime, soit 48 000 euros.",
    ),
    # --- Spanish
    (
        "es",
        ["ES", "CO"],
        [_p(["Paz Elena Rentería"], [])],
        ["common_word_name", "case_number"],
        "Las víctimas quieren vivir en paz. El juzgado de instrucción n.º 3 de Arona tramita "
        "las Diligencias Previas 2214/2025; la vista será el 9 de marzo de 2026.",
    ),
    (
        "es",
        ["ES", "PY"],
        [_p(["Dahiana Giménez"], ["Giménez"], ("date_of_birth", "2007-01-04"))],
        ["dob_words", "name_full"],
        "La joven, que en el club usaba otro nombre, se llama en realidad "
        "[[victim_name:victim|Dahiana Giménez]] y nació el [[date_of_birth:victim|4 de enero "
        "de 2007]] en Caaguazú.",
    ),
    (
        "es",
        ["ES", "CO"],
        [_p(["Karen Lizeth Mora"], [])],
        ["document_split", "phone_national"],
        "Se intervino el pasaporte de la encargada, [[document:other|AX447 1920]], y su móvil "
        "[[phone:other|612 48 09 37]].",
    ),
    (
        "es",
        ["ES", "VE"],
        [_p(["Mariangel Chacón"], [])],
        ["postal_code", "flight_number"],
        "El grupo llegó en el IB 6674 desde Caracas y se alojó en un hostal de 28012 Madrid "
        "durante 6 noches, pagando 45 euros cada una.",
    ),
    # --- Portuguese
    (
        "pt",
        ["PT", "BR"],
        [_p(["Maria das Graças Pinheiro"], [])],
        ["common_word_name", "case_number"],
        "Graças à cooperação com a Polícia Federal, o processo 0012873-44.2025.8.26.0050 "
        "avançou; a audiência foi marcada para 12/05/2026.",
    ),
    (
        "pt",
        ["PT", "BR"],
        [_p(["Rayane Cristina Lopes"], [], ("date_of_birth", "2008-08-07"))],
        ["dob_numeric", "dob_inflected_cue", "name_with_title"],
        "A menina [[victim_name:victim|Rayane]], nascida aos [[date_of_birth:victim|"
        "07/08/2008]], foi acolhida pela CPCJ de Braga.",
    ),
    (
        "pt",
        ["PT", "AO"],
        [_p(["Domingas Kiala"], [])],
        ["phone_far_from_cue", "amount"],
        "A tia recebia 150 000 kwanzas por mês em nome de terceiros, e [[phone:other|+244 923 "
        "417 058]] aparece em todas as transferências.",
    ),
    (
        "pt",
        ["PT", "BR"],
        [_p(["Kelly Santos"], ["Santos"])],
        ["place_shares_name_token"],
        "As jovens embarcaram no porto de Santos com destino a Lisboa, numa viagem de 11 dias.",
    ),
    # --- Arabic
    (
        "ar",
        ["MA", "MA"],
        [_p(["فاطمة بنعلي"], [], ("date_of_birth", "2006-08-12"))],
        ["name_proclitic", "dob_words"],
        "استمعت الضابطة إلى أختها [[victim_name:victim|وفاطمة]]، وصرحت الأخيرة بأنها من مواليد "
        "[[date_of_birth:victim|12 غشت 2006]].",
    ),
    (
        "ar",
        ["EG", "EG"],
        [_p(["أسماء عبد الفتاح"], [])],
        ["common_word_name", "case_number"],
        "وردت أسماء المتهمين في القضية رقم 4417 لسنة 2025 جنايات، وحددت الجلسة يوم 15/03/2026.",
    ),
    (
        "ar",
        ["JO", "SY"],
        [_p(["علي حمدان"], ["حمدان"])],
        ["common_word_name"],
        "تم نقل الأطفال على متن حافلة صغيرة، وحصل المشغل على 300 دينار عن كل طفل.",
    ),
    (
        "ar",
        ["MA", "SN"],
        [_p(["عائشة ديوب", "Aïssatou Diop"], [], ("document", "A02448819"))],
        ["phone_arabic_digits", "document_passport"],
        "كان الوسيط يتصل بها من الرقم [[phone:other|٠٦٦١٤٨٢٢٩٠]] وحجز جواز سفرها "
        "[[document:victim|A02448819]].",
    ),
    # --- Russian
    (
        "ru",
        ["RU", "UZ"],
        [_p(["Гульнора Юсупова"], [], ("date_of_birth", "2004-09-03"))],
        ["dob_inflected_cue", "name_inflected"],
        "Со слов [[victim_name:victim|Юсуповой]] Г., [[date_of_birth:victim|03.09.2004]] "
        "г.р., уроженки Самарканда, она прибыла в Москву в марте.",
    ),
    (
        "ru",
        ["RU", "KG"],
        [_p(["Жылдыз Абдыраева"], [])],
        ["phone_inflected_cue"],
        "С номера [[phone:other|+996 555 417 093]] ей писали в WhatsApp; с номера "
        "[[phone:other|8 (912) 604-18-27]] звонил водитель.",
    ),
    (
        "ru",
        ["RU", "UA"],
        [_p(["Любовь Ярошенко"], [])],
        ["common_word_name", "case_number"],
        "Любовь к детям заставила её согласиться. Уголовное дело № 12501450001000743 "
        "передано в суд 17.02.2026.",
    ),
    (
        "ru",
        ["RU", "MD"],
        [_p(["Виорика Чебан"], ["Чебан"], ("document", "AB1447820"))],
        ["document_passport", "name_family"],
        "Потерпевшая [[victim_name:victim|Чебан]] В. предъявила загранпаспорт "
        "[[document:victim|AB1447820]] Республики Молдова.",
    ),
]


def items() -> list[dict[str, Any]]:
    out = []
    for n, (lang, regions, persons, classes, marked) in enumerate(CASES):
        text, spans, _ = assemble(parse(marked))
        out.append(
            {
                "id": f"{lang}-H{n:03d}",
                "lang": lang,
                "label": "identifier" if spans else "clean",
                "text": text,
                "classes": sorted({*classes, "hard_case"}),
                "regions": sorted(set(regions)),
                "persons": persons,
                "spans": spans,
            }
        )
    return out
