"""Word lists the scanner needs, in English, French, Spanish, Arabic and Russian.

Words are written here as people write them; `_folded` passes each through the same
normalisation as the text it is compared with, so accents and letter variants here do
not have to match how an officer typed them.
"""

# Word lists and patterns in Cyrillic and Arabic script are the point of this module:
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from typing import Final

from .normalise import fold, normalise_text


def _folded(words: str) -> frozenset[str]:
    return frozenset(normalise_text(word) for word in words.split("|") if word.strip())


def _alternation(words: str) -> str:
    # Regular-expression alternations are folded too: `fold` keeps punctuation, and
    # none of them uses an upper-case escape that case folding would change.
    return fold(words)


COMMON_WORD_NAMES: Final = _folded(
    # English: virtue and blessing names, common in West Africa and the Philippines.
    "rose|grace|hope|faith|joy|mercy|precious|blessing|blessings|patience|victoria|charity"
    "|gift|favour|favor|peace|love|prudence|constance|honour|honor|destiny|justice|princess"
    "|goodness|comfort|promise|success|happiness|lucky|miracle|wisdom|innocent|progress"
    "|testimony|treasure|praise|glory|divine|marvel|unity|liberty|harmony|melody|star"
    "|angel|king|queen|prince|sunday|monday|friday|april|may|june|summer|dawn|amber|ruby"
    "|pearl|crystal|iris|lily|daisy|violet|holly|ivy|heather|jasmine|olive|sky|river|will"
    "|mark|jack|frank|grant|rich|young|brown|white|black|green|baby|honey|sweet|happy"
    "|sunshine|godsgift|goodluck|chance|trust|believe|fortune|eve|faithful|rejoice|pride"
    # French.
    "|espérance|grâce|joie|victoire|aimée|blanche|claire|constance|fleur|perle|céleste"
    "|reine|marine|pierre|france|rené|désiré|désirée|modeste|prosper|félicité|noël|pascal"
    "|ange|bienvenue|dieudonné|merveille|chance|bénédicte|gloire|divine|sagesse|patience"
    # Spanish.
    "|dolores|esperanza|paz|rosa|luz|consuelo|soledad|pilar|mercedes|socorro|milagros"
    "|rocío|amparo|cruz|reyes|ángeles|sol|estrella|blanca|clara|alegría|gloria|victoria"
    "|concepción|asunción|inmaculada|ángel|jesús|fe|caridad|remedios|montserrat|nieves"
    "|rosario|salvador|modesto|felicidad|fortunato|primavera|perla|cielo|dulce|libertad"
    # Arabic.
    "|أمل|نور|سعيد|سعيدة|جميل|جميلة|كريم|كريمة|سلام|هدى|رحمة|فرح|حياة|إيمان|أمين|أمينة"
    "|صالح|عادل|منير|منيرة|سعادة|وفاء|هناء|سلمى|صباح|ياسمين|وردة|زهرة|فجر|سماح|نجاح"
    "|رجاء|بشرى|حنان|سلوى|أمان|عزيز|عزيزة|حسن|حسنة|جمال|كمال|نبيل|شريف|لطيف|لطيفة"
    "|سالم|سالمة|غالي|غالية|الله|محبة|ملاك|قمر|شمس|بدر"
    # Russian.
    "|вера|надежда|любовь|роза|лилия|слава|лев|мир|мира|майя|злата|снежана|радость|воля"
    "|ангелина|виктория|победа|звезда|весна|зоря|заря|лада|мила|милана|доброслава"
)
"""Given names that are also ordinary words: alone they do not block, next to another
of the person's name tokens, after a title or capitalised mid-sentence they do."""

NAME_PARTICLES: Final = _folded(
    "de|da|das|do|dos|del|della|di|du|la|le|les|van|von|der|den|ter|ten|y|e|mc|mac|st"
    "|al|el|ul|bin|ibn|bint|ben|bou|abu|abou|ould|ag"
    "|بن|ابن|بنت|ابو|أبو|ال|ولد"
    "|оглы|кызы|фон|ван|де"
)
"""Connecting words of names; they never block on their own and do not break adjacency
between two name tokens ("Esperanza de la Cruz")."""

TITLES: Final = _folded(
    "mr|mrs|ms|miss|mx|dr|madam|sir|lady|mme|mlle|madame|mademoiselle|monsieur|m"
    "|sr|sra|srta|señor|señora|señorita|don|doña|dona"
    "|السيد|السيدة|الآنسة|المدعو|المدعوة"
    # "г-жа" and "г-н" fall apart into tokens at the hyphen.
    "|г|жа|н|господин|госпожа|гражданка|гражданин|потерпевшая|потерпевший"
    # Roles written right before a name in case files ("the victim Grace").
    "|victim|witness|victime|témoin|víctima|testigo|الضحية|الشاهد|الشاهدة|свидетель|свидетельница"
)
"""Words that announce a name: a common-word name token right after one blocks."""

BIRTH_KEYWORDS: Final = _alternation(
    r"born|birth|date of birth|birthdate|birthday|dob|d\.o\.b|"
    r"né le|née le|née|né à|née à|naissance|date de naissance|"
    r"nacido|nacida|nació|nacimiento|fecha de nacimiento|f\. nac|"
    r"تاريخ الميلاد|تاريخ ميلاد|الميلاد|ميلاد|مواليد|مواليده|مواليدها|ولدت|ولد|المولود|المولودة|"
    r"родился|родилась|рождения|дата рождения|д\.\s?р|г\.\s?р"
)
"""Birth keywords as a regular-expression alternation over folded text (lower case,
no diacritics, Arabic letter variants unified)."""

PHONE_KEYWORDS: Final = _alternation(
    r"phone|telephone|tel|mobile|cell|whatsapp|viber|telegram|signal|contact number|"
    r"téléphone|portable|teléfono|móvil|celular|"
    r"هاتف|الهاتف|جوال|الجوال|موبايل|رقم الهاتف|واتساب|"
    r"телефон|тел|моб|мобильный|номер|вотсап|ватсап|телеграм"
)

DOCUMENT_KEYWORDS: Final = _alternation(
    r"passport|id card|identity card|national id|id number|id no|nin|ssn|document number|"
    r"residence permit|permit|licence|license|"
    r"passeport|carte d.identité|pièce d.identité|titre de séjour|cni|"
    r"pasaporte|dni|nie|documento|cédula|tarjeta de residencia|"
    r"جواز سفر|جواز السفر|جواز|رقم الهوية|الهوية|بطاقة|الرقم الوطني|رقم قومي|"
    r"паспорт|паспорта|удостоверение|снилс|инн|документ"
)

CURRENCY_WORDS: Final = _alternation(
    r"eur|euro|euros|usd|gbp|ngn|rub|mad|aed|egp|cfa|xof|naira|dollars?|pounds?|"
    r"руб|рублей|рубля|долларов|евро|درهم|دولار|يورو|جنيه|نيره|€|\$|£|₦|₽"
)
