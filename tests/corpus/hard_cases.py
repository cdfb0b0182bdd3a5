"""Hand-written hard cases for the minimiser corpus.

Identifiers are marked inline as [[kind:owner|text]] (owner "victim": a protected person
listed in `persons`; "other": anyone else); the generator turns the marks into spans.
Each case says in a comment what makes it hard. Every number is invented; phone numbers
are valid for their country's plan, ids carry valid check characters.
"""

# Arabic and Cyrillic text is the point of these cases:
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from typing import Any


def _person(names: list[str], family: list[str], *identifiers: tuple[str, str]) -> dict[str, Any]:
    return {
        "names": names,
        "family_names": family,
        "identifiers": [list(pair) for pair in identifiers],
    }


_OKAFOR = _person(
    ["Adaeze Okonkwo-Eze"],
    ["Okonkwo-Eze"],
    ("date_of_birth", "2006-07-03"),
    ("phone", "+234 802 526 0181"),
    ("document", "BA057958"),
)
_KONE = _person(
    ["Aminata Koné"],
    ["Koné"],
    ("date_of_birth", "2007-03-01"),
    ("phone", "+33 6 10 91 39 09"),
    ("document", "18AB12345"),
)
_CASTANO = _person(
    ["Esperanza Castaño Ruiz"],
    ["Castaño Ruiz"],
    ("date_of_birth", "2005-11-23"),
    ("phone", "+34 614 62 81 94"),
    ("document", "X7034236P"),
)
_LIMA = _person(
    ["Maria do Socorro Lima"],
    ["Lima"],
    ("date_of_birth", "2006-05-03"),
    ("phone", "+55 11 96821-9935"),
    ("document", "746.507.529-73"),
)
_LAYLA = _person(
    ["ليلى الحسيني", "Layla Al-Husseini"],
    ["الحسيني"],
    ("date_of_birth", "2007-03-14"),
    ("phone", "+212 6 57 86 57 97"),
)
_ASMAE = _person(["أسماء بنعلي", "Asmae Benali"], ["بنعلي"], ("date_of_birth", "2004-08-09"))
_KARIMOVA = _person(
    ["Дильноза Каримова", "Dilnoza Karimova"],
    ["Каримова"],
    ("date_of_birth", "2007-03-14"),
    ("phone", "+998 91 760 18 95"),
    ("document", "4510 123456"),
)
_VERA = _person(["Вера Соколова"], ["Соколова"], ("date_of_birth", "2006-05-03"))

CASES: list[dict[str, Any]] = [
    # A document number split by a space, no cue word.
    {
        "lang": "en",
        "label": "identifier",
        "classes": ["document_split"],
        "regions": ["GB", "NG"],
        "persons": [_OKAFOR],
        "text": "The booklet recovered from the madam's handbag, [[document:victim|BA057 958]], "
        "matches the one she described.",
    },
    # A national phone number far from any cue word, at the end of a long sentence.
    {
        "lang": "en",
        "label": "identifier",
        "classes": ["phone_far_from_cue", "phone_national"],
        "regions": ["GB", "NG"],
        "persons": [_OKAFOR],
        "text": "When asked what she remembered of the house in Benin City she repeated, "
        "several times and without being prompted, [[phone:other|0802 590 8301]].",
    },
    # Another person's date of birth next to a birth cue; the victim's own is not in it.
    {
        "lang": "en",
        "label": "identifier",
        "classes": ["dob_other_person", "dob_words"],
        "regions": ["GB", "NG"],
        "persons": [_OKAFOR],
        "text": "The recruiter's daughter, born on [[date_of_birth:other|2 February 2011]], "
        "travelled with the group as far as Agadez.",
    },
    # Hyphenated family name in capitals after a title.
    {
        "lang": "en",
        "label": "identifier",
        "classes": ["name_family", "name_with_title"],
        "regions": ["GB", "NG"],
        "persons": [_OKAFOR],
        "text": "Ms [[victim_name:victim|OKONKWO-EZE]] was seen by the GP on 12 May 2025.",
    },
    # "d.o.b." abbreviation with dots.
    {
        "lang": "en",
        "label": "identifier",
        "classes": ["dob_numeric", "dob_inflected_cue"],
        "regions": ["GB", "NG"],
        "persons": [_OKAFOR],
        "text": "Subject (d.o.b. [[date_of_birth:victim|03/07/2006]]) was placed in foster care.",
    },
    # A UK mobile in international form with the trunk zero in brackets.
    {
        "lang": "en",
        "label": "identifier",
        "classes": ["phone_international", "phone_separators"],
        "regions": ["GB", "NG"],
        "persons": [_OKAFOR],
        "text": "The driver's mobile, [[phone:other|+44 (0)7406 613186]], was attributed on "
        "4 March 2026.",
    },
    # Clean: a birth word close to an incident date; the date is not a birth date.
    {
        "lang": "en",
        "label": "clean",
        "classes": ["birth_word_near_incident_date"],
        "regions": ["GB", "NG"],
        "persons": [_OKAFOR],
        "text": "She was born in Benin City and on 14 March 2025 she was moved to a flat in "
        "Luton, where she stayed until 2 June 2025.",
    },
    # Clean: Crown Court and Court of Appeal numbers, an amount and a date.
    {
        "lang": "en",
        "label": "clean",
        "classes": ["case_number", "amount", "incident_date"],
        "regions": ["GB", "NG"],
        "persons": [_OKAFOR],
        "text": "Crown Court case T20267001 (Court of Appeal 202601234 A1): confiscation order "
        "of £48,250 made on 3 February 2026.",
    },
    # "1er" ordinal date of birth after "née le".
    {
        "lang": "fr",
        "label": "identifier",
        "classes": ["dob_words"],
        "regions": ["FR", "CI"],
        "persons": [_KONE],
        "text": "Mlle [[victim_name:victim|KONÉ]], née le [[date_of_birth:victim|1er mars 2007]] "
        "à Yopougon, a été mise à l'abri.",
    },
    # French mobile with dots, cue inflected away ("numéros").
    {
        "lang": "fr",
        "label": "identifier",
        "classes": ["phone_separators", "phone_inflected_cue"],
        "regions": ["FR", "CI"],
        "persons": [_KONE],
        "text": "Parmi les numéros relevés dans le téléphone de la prévenue figure le "
        "[[phone:other|06.19.60.30.82]].",
    },
    # French passport shape split in two.
    {
        "lang": "fr",
        "label": "identifier",
        "classes": ["document_split"],
        "regions": ["FR", "CI"],
        "persons": [_KONE],
        "text": "Passeport présenté à la frontière : [[document:victim|18AB 12345]].",
    },
    # Clean: "née" near an incident date; 11-digit parquet number.
    {
        "lang": "fr",
        "label": "clean",
        "classes": ["birth_word_near_incident_date", "case_number"],
        "regions": ["FR", "CI"],
        "persons": [_KONE],
        "text": "Elle est née à Abidjan ; le 12 mars 2025, elle a été déplacée à Montreuil. "
        "Parquet de Bobigny, n° 26045000123.",
    },
    # NIE with separators, DNI shape.
    {
        "lang": "es",
        "label": "identifier",
        "classes": ["document_national_id"],
        "regions": ["ES", "CO"],
        "persons": [_CASTANO],
        "text": "Consta en el atestado con NIE [[document:victim|X-7034236-P]].",
    },
    # A DNI of another person with dots.
    {
        "lang": "es",
        "label": "identifier",
        "classes": ["document_national_id"],
        "regions": ["ES", "CO"],
        "persons": [_CASTANO],
        "text": "La encargada del piso, con DNI [[document:other|67.127.684-E]], fue detenida.",
    },
    # Spanish mobile with no leading zero, far from any cue.
    {
        "lang": "es",
        "label": "identifier",
        "classes": ["phone_far_from_cue", "phone_national"],
        "regions": ["ES", "CO"],
        "persons": [_CASTANO],
        "text": "En la pared de la habitación alguien había escrito a lápiz "
        "[[phone:victim|614 62 81 94]] junto a una fecha.",
    },
    # Clean: Diligencias previas, NIG and NUC side by side.
    {
        "lang": "es",
        "label": "clean",
        "classes": ["case_number"],
        "regions": ["ES", "CO"],
        "persons": [_CASTANO],
        "text": "Diligencias previas 118/2026, NIG 2807943220260012345; en Colombia, NUC "
        "110016000049202600123.",
    },
    # Clean: common word "esperanza" twice, one capitalised at a sentence start.
    {
        "lang": "es",
        "label": "clean",
        "classes": ["common_word_name"],
        "regions": ["ES", "CO"],
        "persons": [_CASTANO],
        "text": "Esperanza no le falta, dice. Pero la esperanza de recuperar a su hija se "
        "desvanece.",
    },
    # Brazilian legal phrasing of a birth date.
    {
        "lang": "pt",
        "label": "identifier",
        "classes": ["dob_words", "dob_inflected_cue"],
        "regions": ["BR"],
        "persons": [_LIMA],
        "text": "A declarante, nascida aos [[date_of_birth:victim|3 dias do mês de maio de 2006]],"
        " confirmou o depoimento.",
    },
    # CPF without punctuation.
    {
        "lang": "pt",
        "label": "identifier",
        "classes": ["document_national_id"],
        "regions": ["BR"],
        "persons": [_LIMA],
        "text": "CPF da vítima: [[document:victim|74650752973]].",
    },
    # Brazilian mobile with parentheses and a dash, after an inflected cue.
    {
        "lang": "pt",
        "label": "identifier",
        "classes": ["phone_separators", "phone_inflected_cue"],
        "regions": ["BR"],
        "persons": [_LIMA],
        "text": "Um dos números usados pelo aliciador era o [[phone:other|(11) 96181-9093]].",
    },
    # Clean: CNJ number and Portuguese common words equal to the victim's names.
    {
        "lang": "pt",
        "label": "clean",
        "classes": ["case_number", "common_word_name"],
        "regions": ["BR"],
        "persons": [_LIMA],
        "text": "Processo n.º 0001234-56.2025.8.26.0100. Pediu socorro e foi levada ao "
        "pronto-socorro; a lima que usava no salão foi apreendida.",
    },
    # Arabic-Indic digits after "رقم".
    {
        "lang": "ar",
        "label": "identifier",
        "classes": ["phone_arabic_digits"],
        "regions": ["MA", "SY"],
        "persons": [_LAYLA],
        "text": "أعطت الشرطة رقم الوسيط [[phone:other|٠٦٥٧٨٦٥٧٩٧]] بعد الاستماع إليها.",
    },
    # Names with attached conjunction and preposition.
    {
        "lang": "ar",
        "label": "identifier",
        "classes": ["name_proclitic"],
        "regions": ["MA", "SY"],
        "persons": [_LAYLA, _ASMAE],
        "text": "قدمت الجمعية المساعدة [[victim_name:victim|لأسماء]] "
        "[[victim_name:victim|وليلى]] بعد خروجهما من الشقة.",
    },
    # Date of birth in Levantine month names and Arabic-Indic digits.
    {
        "lang": "ar",
        "label": "identifier",
        "classes": ["dob_words", "phone_arabic_digits"],
        "regions": ["MA", "SY"],
        "persons": [_LAYLA],
        "text": "الضحية من مواليد [[date_of_birth:victim|١٤ آذار ٢٠٠٧]]، ورقم هاتفها "
        "[[phone:victim|+٢١٢ ٦ ٥٧ ٨٦ ٥٧ ٩٧]].",
    },
    # Clean: the adjective ليلي and the plural أسماء next to the victims' names' look-alikes.
    {
        "lang": "ar",
        "label": "clean",
        "classes": ["common_word_name"],
        "regions": ["MA", "SY"],
        "persons": [_LAYLA, _ASMAE],
        "text": "عملت الضحيتان في ملهى ليلي، ورفضتا ذكر أسماء الزبائن أو أسماء المجندين.",
    },
    # Clean: a long Egyptian case number after "رقم" and an amount in Arabic-Indic digits.
    {
        "lang": "ar",
        "label": "clean",
        "classes": ["case_number", "amount"],
        "regions": ["EG"],
        "persons": [_LAYLA],
        "text": "القضية رقم ١٢٣٤٥ لسنة ٢٠٢٥ جنايات، وقيمة الدين ٤٥٠٠٠ جنيه.",
    },
    # Initial and family name, then a birth date with "г.р.".
    {
        "lang": "ru",
        "label": "identifier",
        "classes": ["name_family", "dob_inflected_cue"],
        "regions": ["RU", "UZ"],
        "persons": [_KARIMOVA],
        "text": "[[victim_name:victim|Каримова]] Д., [[date_of_birth:victim|14.03.2007]] г.р., "
        "уроженка г. Самарканда.",
    },
    # "года" after the year, feminine participle cue.
    {
        "lang": "ru",
        "label": "identifier",
        "classes": ["dob_words", "dob_inflected_cue"],
        "regions": ["RU", "UZ"],
        "persons": [_KARIMOVA],
        "text": "Потерпевшая, родившаяся [[date_of_birth:victim|14 марта 2007 года]], "
        "гражданка Узбекистана.",
    },
    # Russian mobile after the inflected cue "номеру", in the 8 (9xx) form.
    {
        "lang": "ru",
        "label": "identifier",
        "classes": ["phone_inflected_cue", "phone_separators"],
        "regions": ["RU", "UZ"],
        "persons": [_KARIMOVA],
        "text": "Вербовщику она звонила по номеру [[phone:other|8 (912) 118-62-52]].",
    },
    # Internal passport series split as written on the page.
    {
        "lang": "ru",
        "label": "identifier",
        "classes": ["document_national_id"],
        "regions": ["RU", "UZ"],
        "persons": [_KARIMOVA],
        "text": "Паспорт серии [[document:victim|45 10 № 123456]] изъят.",
    },
    # Clean: 17-digit criminal case number, KUSP number and Kazakh ERDR number.
    {
        "lang": "ru",
        "label": "clean",
        "classes": ["case_number"],
        "regions": ["RU", "KZ"],
        "persons": [_KARIMOVA],
        "text": "Уголовное дело № 12201450001000123 возбуждено по материалам КУСП № 4512; "
        "в Казахстане — ЕРДР № 261500031000123.",
    },
    # Clean: "Вера" at a sentence start and inflected "веры"; the victim is Вера Соколова.
    {
        "lang": "ru",
        "label": "clean",
        "classes": ["common_word_name"],
        "regions": ["RU"],
        "persons": [_VERA],
        "text": "Вера в то, что её выслушают, пришла не сразу. У неё не осталось веры "
        "ни полиции, ни посольству.",
    },
    # An e-mail address written out to dodge filters; it still identifies its owner.
    {
        "lang": "en",
        "label": "identifier",
        "classes": ["email_obfuscated"],
        "regions": ["GB", "NG"],
        "persons": [_OKAFOR],
        "text": "The madam's adverts gave [[email:other|sandra.obaseki77 at gmail dot com]] "
        "as the contact.",
    },
    # Clean: a birth certificate's date of issue is not a date of birth.
    {
        "lang": "en",
        "label": "clean",
        "classes": ["birth_word_near_incident_date"],
        "regions": ["GB", "NG"],
        "persons": [_OKAFOR],
        "text": "Her birth certificate was issued in Benin City on 12/03/2025, after she had "
        "left Nigeria.",
    },
    # Clean: an "acte de naissance" issued on a date.
    {
        "lang": "fr",
        "label": "clean",
        "classes": ["birth_word_near_incident_date"],
        "regions": ["FR", "CI"],
        "persons": [_KONE],
        "text": "L'acte de naissance produit par la prévenue a été délivré le 3 avril 2025 "
        "par la mairie de Yopougon.",
    },
    # French mobile with the trunk zero in brackets after the country code.
    {
        "lang": "fr",
        "label": "identifier",
        "classes": ["phone_international", "phone_separators"],
        "regions": ["FR", "CI"],
        "persons": [_KONE],
        "text": "Elle a été recontactée par la suite au [[phone:victim|+33 (0)6 10 91 39 09]].",
    },
    # The birth cue stands a place name away from the date.
    {
        "lang": "es",
        "label": "identifier",
        "classes": ["dob_words"],
        "regions": ["ES", "CO"],
        "persons": [_CASTANO],
        "text": "Nacida en Pereira (Risaralda) el [[date_of_birth:victim|23 de noviembre de "
        "2005]], llegó a Madrid con diecisiete años.",
    },
    # Clean: a "partida de nacimiento" issued on a date.
    {
        "lang": "es",
        "label": "clean",
        "classes": ["birth_word_near_incident_date"],
        "regions": ["ES", "CO"],
        "persons": [_CASTANO],
        "text": "La partida de nacimiento que aportó fue expedida el 14/02/2025 en Pereira.",
    },
    # Clean: a "certidão de nascimento" issued on a date.
    {
        "lang": "pt",
        "label": "clean",
        "classes": ["birth_word_near_incident_date"],
        "regions": ["BR"],
        "persons": [_LIMA],
        "text": "A certidão de nascimento apresentada foi emitida em 12/03/2025 pelo cartório "
        "de Goiânia.",
    },
    # Someone else's Portuguese Cartão de Cidadão with its check characters.
    {
        "lang": "pt",
        "label": "identifier",
        "classes": ["document_national_id"],
        "regions": ["PT", "BR"],
        "persons": [_LIMA],
        "text": "O apartamento estava arrendado em nome de uma mulher com o Cartão de Cidadão "
        "n.º [[document:other|26846563 2 CF8]].",
    },
    # An Egyptian national number (14 digits) of someone else after "الرقم القومي".
    {
        "lang": "ar",
        "label": "identifier",
        "classes": ["document_national_id"],
        "regions": ["EG"],
        "persons": [_LAYLA],
        "text": "الرقم القومي للوسيط [[document:other|29805120101234]] بحسب محضر الضبط.",
    },
    # Clean: a birth certificate issued on a date, in Arabic-Indic digits.
    {
        "lang": "ar",
        "label": "clean",
        "classes": ["birth_word_near_incident_date"],
        "regions": ["MA", "SY"],
        "persons": [_LAYLA],
        "text": "صدرت شهادة الميلاد المقدمة في ١٢/٠٣/٢٠٢٥ عن بلدية حلب.",
    },
    # A name with the attached conjunction ف.
    {
        "lang": "ar",
        "label": "identifier",
        "classes": ["name_proclitic"],
        "regions": ["MA", "SY"],
        "persons": [_LAYLA],
        "text": "أما الأخت الكبرى فقد عادت إلى حلب، [[victim_name:victim|فليلى]] بقيت في الشقة.",
    },
    # Clean: a birth certificate issued on a date, in Russian.
    {
        "lang": "ru",
        "label": "clean",
        "classes": ["birth_word_near_incident_date"],
        "regions": ["RU", "UZ"],
        "persons": [_KARIMOVA],
        "text": "Свидетельство о рождении выдано 12.03.2025 органом ЗАГС г. Самарканда.",
    },
    # A given name in the genitive, alone.
    {
        "lang": "ru",
        "label": "identifier",
        "classes": ["name_inflected", "name_given_cued"],
        "regions": ["RU", "UZ"],
        "persons": [_KARIMOVA],
        "text": "Со слов [[victim_name:victim|Дильнозы]], паспорт у неё забрали в первый день.",
    },
]
