"""Word lists the scanner needs, in English, French, Spanish, Portuguese, Arabic and Russian.

Words are written here as people write them; `_folded` passes each through the same
normalisation as the text it is compared with, so accents and letter variants here do
not have to match how an officer typed them.
"""

# Word lists and patterns in Cyrillic and Arabic script are the point of this module:
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from .normalise import tokens
from .textview import scan_fold


def _folded(words: str) -> frozenset[str]:
    return frozenset(" ".join(tokens(scan_fold(word))) for word in words.split("|") if word.strip())


def cue_words(words: str) -> list[str]:
    """`|`-separated cue words, folded like the text (a final `*` kept)."""
    return [w for w in (scan_fold(raw.strip()) for raw in words.split("|")) if w]


def trie_pattern(words: Iterable[str]) -> str:
    """A regular expression matching any of `words`, factored as a trie so that the
    engine tries a few branches per position instead of every word.

    A space in a word stands for any run of white space, and a final `*` for any
    continuation of the word (inflections: "паспорт*" matches "паспорта",
    "паспортом"). Longer continuations are tried first. The caller adds word bounds.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(_STAR if char == "*" else char, {})
        node[_END] = {}
    return _emit(trie)


_END: Final = "\x00end"
_STAR: Final = "\x00star"
_HEADS: Final = {_STAR: r"\w*", " ": r"\s+"}


def _emit(node: dict[str, Any]) -> str:
    branches = []
    # A word's continuation "*" is tried last, so a longer cue of several words that
    # starts with the word ("телефон доверия" after "телефон*") is found whole.
    for key in sorted((k for k in node if k != _END), key=lambda k: (k == _STAR, k)):
        head = _HEADS.get(key) or re.escape(key)
        branches.append(head + _emit(node[key]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        return f"{body}?" if len(branches) == 1 and len(branches[0]) == 1 else f"(?:{body})?"
    return body


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
    "|espoir|clémence|aurore|prudence|innocence|providence|fidèle|liberté|paix"
    # Spanish.
    "|dolores|esperanza|paz|rosa|luz|consuelo|soledad|pilar|mercedes|socorro|milagros|marina"
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
    "|сила|ума|руслана|дина|инна|нина|роман|максим|марат|тимур|даниил"
    # Portuguese.
    "|graça|graças|esperança|vitória|luz|glória|rosa|socorro|conceição|aparecida|fátima|dores"
    "|céu|estrela|branca|clara|flor|bela|alegria|paz|fé|felicidade|piedade|assunção"
    "|lourdes|jesus|cruz|anjo|amor|serena|pureza|benedita|rosário|prazeres|neves|luzia"
    "|perpétua|natividade|remédios|consolação|salvação|guia|lua|sol|mar|pérola|dádiva"
    # Arabic words that equal common names once ى/ي, hamza forms and ة are unified:
    # ليلى "Layla" and ليلي "nightly", علي "Ali" and على "on", أسماء "Asma" and "names".
    "|ليلى|علي|على|أسماء|اسماء|هدي|منى|رضا|وعد|عبير|ريم|دعاء|آية|اية|هبة|نعمة|بركة"
    "|فضيلة|شيماء|إسراء|مريم|سارة|رشا|ندى|سحر|غادة|أحلام|احلام|مني|يسرى|صفاء|بهجة"
)
"""Given names that are also ordinary words, per language and, for Arabic, as they read
after normalisation: alone they do not block; near another of the person's name tokens,
after a title or role word, next to a reporting verb, or (Latin and Cyrillic)
capitalised mid-sentence they do (`Scanner._is_name`)."""

PLACE_WORDS: Final = _folded(
    # Places, organisations and ordinary words that are also given or family names, in
    # any script: written with a capital they are still more often the place.
    "florence|victoria|lima|santos|costa|cruz|paz|fátima|vitória|aparecida|glória|gloria"
    "|mercedes|lourdes|santiago|trinidad|dolores|regina|georgia|hope|israel|jordan|chad"
    "|sydney|orlando|austin|paris|adelaide|madison|florida|carolina|virginia|santa|lagos"
    "|florencia|valencia|alicante|sevilla|granada|elche|almería|guadalupe|soledad|montserrat"
    "|caridad|esperanza|concepción|asunción|rosario|salvador|socorro|belém|natal|vitoria"
    "|nascimento|conceição|assunção|piedade|guia|vera|liberté|charity|justice|liberty"
    "|unity|charlotte|nancy|lorraine|madeleine|victoire|pilar|belén|covadonga|graça|luz"
    "|estrela|penha|madalena|esperança|sunday|monday|friday|april|may|june|summer"
    "|نجاة|أمل|امل|نور|ليلى|ليلي|أسماء|اسماء|علي|على|الدين|عبد|سعاد|حياة|سلام|وفاء|هدى"
    "|فرح|بشرى|ملاك|رحمة|إيمان|ايمان|سعيدة|زهرة|وردة|صباح|سماح|حنان|نوال|أحلام|منى"
    "|вера|надежда|любовь|роза|лилия|мира|виктория|слава|майя|злата|победа|звезда|ангелина"
    "|лада|мила|дина|нина|марина|лилиана|алиса|кира|софия|маргарита|александрия|анапа"
)
"""Ordinary words and place names that are also names (a subset of the tokens that
never block alone): besides not blocking alone, a capital does not make them a name
("Hope for Justice", "Victoria Island", "La Paz", "гостиница «Виктория»")."""

REPORTING_WORDS: Final = _folded(
    "said|says|told|tells|stated|states|declared|explained|reported|recalled|testified"
    "|added|confirmed|described|recounted|disclosed|admitted|insisted|alleged|according to"
    "|was born|is afraid|was afraid|fled|escaped"
    "|a déclaré|a expliqué|a indiqué|a raconté|a affirmé|a précisé|a dit|déclare|explique"
    "|raconte|affirme|précise|indique|est née|est arrivée|selon"
    "|declaró|afirmó|explicó|relató|contó|dijo|manifestó|señaló|indicó|nació|declara|afirma"
    "|explica|relata|según"
    "|afirmou|declarou|disse|contou|relatou|explicou|nasceu|afirma|declara|conta|segundo"
    "|заявила|заявил|сообщила|сообщил|пояснила|пояснил|показала|показал|рассказала"
    "|рассказал|родилась|родился|заявляет|сообщает|поясняет|показывает|рассказывает"
    "|по словам"
    "|أفادت|أفاد|قالت|قال|صرحت|صرح|أوضحت|أوضح|روت|روى|أكدت|أكد|أضافت|أضاف"
    "|ولدت|حسب|وأفادت|وقالت|وصرحت|وأوضحت|وروت|وأكدت|وأضافت"
)
"""Reporting and person verbs: a name token right before or after one (a two-word verb
as a whole) is a person's name."""

NAME_PARTICLES: Final = _folded(
    "de|da|das|do|dos|del|della|di|du|la|le|les|van|von|der|den|ter|ten|y|e|mc|mac|st"
    "|saint|sainte|san|santa|santo|são|sao|ste"
    "|al|el|ul|bin|ibn|bint|ben|bou|abu|abou|ould|ag"
    "|بن|ابن|بنت|ابو|أبو|ال|ولد"
    "|оглы|кызы|фон|ван|де"
)
"""Connecting words of names; they never block on their own and do not break adjacency
between two name tokens ("Esperanza de la Cruz")."""

TITLES: Final = _folded(
    "mr|mrs|ms|miss|mx|dr|madam|sir|lady|mme|mlle|madame|mademoiselle|monsieur|m"
    "|sr|sra|srta|señor|señora|señorita|don|doña|dona"
    "|senhor|senhora|menina|menino"
    "|السيد|السيدة|الآنسة|المدعو|المدعوة"
    # "г-жа" and "г-н" fall apart into tokens at the hyphen.
    "|г|жа|н|господин|госпожа|гражданка|гражданин|потерпевшая|потерпевший"
    # Roles written right before a name in case files ("the victim Grace").
    "|victim|witness|victime|témoin|víctima|testigo|vítima|testemunha|ofendida|ofendido"
    "|الضحية|الشاهد|الشاهدة|المجني|الطفلة|свидетель|свидетельница|потерпевшей|потерпевшую"
    "|named|called|nommée|nommé|dite|llamada|llamado|chamada|chamado|conhecida|apelidada"
    "|المسماة|المسمى|имени|зовут"
)
"""Words that announce a name: a common-word name token right after one blocks."""

BIRTH_CUE_WORDS: Final = cue_words(
    "born|birth|birth date|date of birth|birthdate|birthday|dob|d.o.b|d. o. b"
    "|née|nés|nées|né(e)|né le|née le|naissance|date de naissance|date de naiss"
    "|nacido|nacida|nació|nacimiento|fecha de nacimiento|f. nac|f. de nac|fecha nac"
    "|nascida|nascido|nasceu|nascimento|data de nascimento|data nasc|d. nasc"
    "|تاريخ الميلاد|تاريخ ميلاد|تاريخ ميلادها|تاريخ ميلاده|الميلاد|ميلاد|ميلادها|ميلاده"
    "|مواليد|من مواليد|مواليده|مواليدها|ولدت|ولد|المولود|المولودة|مولود|مولودة|المولد"
    "|родил*|родивш*|рожден*|рождён*|дата рождения|года рождения|год рождения|д.р|д. р"
    "|г.р|г. р"
)
"""Birth cues: a full date near one of them is a date of birth."""
BIRTH_CUES: Final = trie_pattern(BIRTH_CUE_WORDS)

ISSUANCE_WORDS: Final = _folded(
    "issued|issue|delivered|registered|dated|délivré|délivrée|délivrance|établi|établie"
    "|enregistré|enregistrée|expedida|expedido|expedición|emitida|emitido|emisión"
    "|registrada|registrado|emissão|registada|registado|lavrada|lavrado"
    "|выдан|выдана|выдано|выданы|выдачи|выдача|зарегистрировано|зарегистрирован"
    "|صدرت|صدر|الصادرة|صادرة|الإصدار|إصدار|اصدار"
)
"""Issuance verbs: between a birth cue and a date, one makes the date a date of issue
("birth certificate issued on …", "свидетельство о рождении выдано …")."""

STREET_WORDS_BEFORE: Final = cue_words(
    "rue|boulevard|bd|avenue|av|allée|impasse|chemin|quai|cours|place|route"
    "|calle|c/|avenida|avda|plaza|paseo|carrera|camino|ronda|travesía|transversal"
    "|rua|travessa|praça|largo|estrada|alameda|rodovia"
    "|ул|улица|пр|проспект|пер|переулок|бульвар|шоссе|наб|набережная|пл|площадь"
    "|شارع|زنقة|درب"
)
"""Street words written before the street's name ("rue", "calle", "ул.", "شارع")."""

STREET_WORDS_NUMBER_FIRST: Final = cue_words("place|route|cours|quai")
"""Street words that make an address only after a house number ("3 place Vendôme"),
never with the number after the name ("took place March 3")."""

STREET_WORDS_AFTER: Final = cue_words(
    "street|road|avenue|lane|close|crescent|drive|way|square|terrace|gardens"
    "|grove|hill|row|walk|mews|boulevard|parade|high street|expressway|highway|estate"
)
"""Street words written after the street's name ("Adeola Odeku Street")."""

PHONE_CUE_WORDS: Final = cue_words(
    "phone*|telephone*|tel|tel.|mobile*|cell*|whatsapp|viber|telegram|signal|sms"
    "|contact number|call* on|reached on|reachable on"
    "|téléphon*|portable|joignable au|numéro de téléphone|appel*"
    "|teléfon*|telefon*|móvil|movil|celular*|contacto|llamar al|whats"
    "|telemóvel|telemovel|telefone*|contato|ligar para"
    "|هاتف*|الهاتف|هاتفه|هاتفها|جوال*|الجوال|موبايل|تلفون|واتساب|واتس|الخلوي|المحمول"
    "|телефон*|тел|моб|мобильн*|сотов*|вотсап|ватсап|телеграм|позвонить|звонил*"
)
"""Phone cues: a 7-15-digit number after one of them is a phone number."""

HELPLINE_CUE_WORDS: Final = cue_words(
    "helpline|hotline|help line|freephone|free phone|toll-free|toll free|free line"
    "|numéro vert|ligne d'écoute|ligne d écoute|ligne gratuite|numéro gratuit|ligne d'urgence"
    "|línea gratuita|línea de ayuda|línea de atención|línea 24 horas|número gratuito"
    "|linha gratuita|linha de apoio|linha verde|número verde|linha de denúncia"
    "|горячая линия|горячей линии|горячую линию|телефон доверия|телефона доверия"
    "|телефону доверия|бесплатная линия|бесплатной линии"
    "|الرقم الأخضر|الخط الأخضر|الخط الساخن|رقم أخضر|خط المساعدة|الرقم المجاني|الخط المجاني"
    "|بالرقم الأخضر|بالخط الأخضر|بالرقم المجاني|بالخط الساخن"
)
"""Helpline cues: a number right after one is an institution's line, not a person's."""

NUMBER_CUE_WORDS: Final = cue_words("number|numéro|número|номер*|رقم*|الرقم|برقم|بالرقم")
"""Cue words for a number of any kind: a number written after one is read as a phone
number if valid for any region tried (`DEFAULT_REGIONS` too), and they never make a
case number a phone."""

NUMBER_ABBREVIATION_WORDS: Final = cue_words("no|nr|num|n°|no.|núm|nº|n.º|n. º|№")
"""Abbreviations of "number" ("№" and "nº" fold to "no"): they number case files,
laws and vessels far more often than phones, so a number right after one is read as a
reference unless a phone or document cue comes before it in the same clause."""

DOCUMENT_CUE_WORDS: Final = cue_words(
    "passport*|id card|identity card|identity document|national id|id number|id no|nin|ssn"
    "|identity number|national identity number|identification number"
    "|document number|residence permit|permit|licence|license|travel document|id"
    "|social security|sécurité sociale|seguridad social|segurança social|nir|nss|niss"
    "|passeport*|carte d'identité|carte d identité|pièce d'identité|pièce d identité"
    "|titre de séjour|cni|carte de séjour|récépissé"
    "|pasaporte*|dni|nie|nif|documento*|cédula|tarjeta de residencia|permiso de residencia"
    "|passaporte*|bilhete de identidade|cartão de cidadão|cartao de cidadao|cpf|bi"
    "|carteira de identidade|título de residência|autorização de residência"
    "|جواز*|جواز سفر*|جواز السفر|رقم الهوية|الهوية|هوية|بطاقة*|الرقم الوطني|رقم قومي"
    "|الرقم القومي|الإقامة|إقامة"
    "|паспорт*|удостоверени*|снилс|инн|документ*|вид на жительство|загранпаспорт*"
)
"""Document cues: a number with five or more digits after one is a document number."""

REFERENCE_CUE_WORDS: Final = cue_words(
    "case|case no|case number|cases|proceedings|proceeding|file|ref|reference|refs|our ref"
    "|your ref|indictment|court|crown court|docket|claim|invoice|order|warrant|report|crime|imo"
    "|crime reference|urn|incident|operation|flight|vol|vuelo|voo|رحلة|الرحلة|art|article"
    "|section|law|act|decision"
    "|affaire|dossier|parquet|procédure|procès-verbal|pv|jugement|arrêt|plainte|rg|enquête|loi"
    "|procedimiento|proceso|expediente|diligencias|diligencias previas|causa|sumario|atestado"
    "|denuncia|nuc|noticia criminal|sentencia|auto|juzgado|tribunal|radicado|spoa|ley|nig"
    "|processo|processo n|proc|autos|inquérito|inquerito|cnj|boletim de ocorrência|ação penal|lei"
    "|قضية*|القضية|ملف*|الملف|محضر|المحضر|الدعوى|دعوى|مرجع*|المرجع|القرار|حكم|المادة"
    "|дело|дела|делу|делом|деле|уголовное дело|уголовного дела|материал*|производств*"
    "|постановлени*|приговор*|статья|ст|кусп|ердр|протокол*|рейс*"
)
"""Case and court reference cues: a number after one is a reference, not a phone or
document number (unless a phone or document cue stands nearer the number)."""

ACCOUNT_CUE_WORDS: Final = cue_words(
    "account|bank account|compte|cuenta|conta|счёт|счет|счета|счету|р/с|л/с|حساب|الحساب"
)
"""Account cues: a Russian 20-digit account number after one is a bank account."""

CURRENCY_CUE_WORDS: Final = cue_words(
    "eur|euro|euros|usd|gbp|ngn|rub|mad|aed|egp|cfa|xof|xaf|brl|cop|mxn|aoa|naira"
    "|dollar*|pound*|reais|pesos|dirham*|kwanza*|francs|fcfa"
    "|руб|рублей|рубля|рубль|долларов|доллара|евро|сум|درهم|دولار|يورو|جنيه|نيره|ريال|دينار"
    "|€|$|£|₦|₽|r$"
)
"""Currency words and signs: a number next to one is an amount."""
CURRENCY_CUES: Final = trie_pattern(CURRENCY_CUE_WORDS)
