"""Arabic: محاضر الشرطة، مذكرات الجمعيات، طلبات النيابة العامة، الإنابات القضائية
(المغرب، مصر، الأردن، العراق، السودان، سوريا). كل الأسماء والأرقام مختلقة."""

from __future__ import annotations

import random

from tests.corpus import identifiers as ids

from .draw import birth, digits

CODE = "ar"
SENDER = "MA"
JOIN = " "
PCT = "%"
THOUSANDS = ","
TIME = "الساعة {h}:{m:02d}"
THIRD_COUNTRIES = ("AE", "SA", "TR", "LB")
IBAN_COUNTRIES = ("EG", "JO", "AE", "SA")
EMAIL_USERS = ("amal.b", "salma", "jobs.gulf", "nour", "zahra")
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "yahoo.fr", "menara.ma")
INSTITUTION_PHONES = ("0800 00 70 70", "080 100 47 47", "08000 888")


def national_id(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return ids.egyptian_national_id(rng, birth(rng))
    return ids.moroccan_cin(rng)


def _maybe_indic(rng: random.Random, text: str) -> str:
    return ids.arabic_digits(text) if rng.random() < 0.35 else text


def case_number(rng: random.Random) -> str:
    year = rng.choice((2024, 2025, 2026))
    return _maybe_indic(
        rng,
        rng.choice(
            (
                f"القضية رقم {rng.randint(100, 9999)} لسنة {year}",
                f"الملف الجنحي عدد {year}/{rng.randint(2101, 2109)}/{rng.randint(10, 9999)}",
                f"المحضر رقم {digits(rng, 5)}/{year}",
                f"الدعوى رقم {digits(rng, 5)} لسنة {year} جنايات",
                f"ملف التحقيق رقم {digits(rng, 12)}",
            )
        ),
    )


def reference(rng: random.Random) -> str:
    return rng.choice((f"م.ق/{digits(rng, 4)}/2026", f"MLA/MA/2025/{digits(rng, 3)}"))


def amount(rng: random.Random) -> str:
    return _maybe_indic(
        rng,
        rng.choice(
            (
                f"{rng.randint(2, 90)},000 درهم",
                f"{rng.randint(500, 9000)} دولار",
                f"{rng.randint(10, 300)} ألف جنيه",
                f"{rng.randint(200, 5000)} يورو",
            )
        ),
    )


def article(rng: random.Random) -> str:
    return rng.choice(
        (
            "الفصل 448-1 من مجموعة القانون الجنائي",
            "المادة 2 من القانون رقم 64 لسنة 2010",
            "القانون رقم 27.14",
        )
    )


def flight(rng: random.Random) -> str:
    return rng.choice(("AT 200", "MS 985", "RJ 115", "EK 751"))


def plate(rng: random.Random) -> str:
    return f"{digits(rng, 5)} - ب - {rng.randint(1, 89)}"


def postcode(rng: random.Random) -> str:
    return rng.choice(("الدار البيضاء 20250", "طنجة 90000", "القاهرة 11511", "عمّان 11118"))


def suspect(rng: random.Random) -> str:
    return rng.choice(("رشيد الوزاني", "حمدي عبد الستار", "جمال القيسي", "ناصر الدباغ"))


def hotline(rng: random.Random) -> str:
    return rng.choice(("19", "122", "16000", "911"))


ADDRESSES = [
    "زنقة ابن بطوطة 22، حي القدس، طنجة",
    "شارع الجمهورية 14، شبرا، القاهرة",
    "حي النصر، شارع الأندلس 9، عمّان",
]

VICTIMS = [
    {
        "names": ["أمل بنعيسى"],
        "given": "أمل",
        "family": "بنعيسى",
        "region": "MA",
        "forms": {"pro": "لبنعيسى"},
        "lookalikes": [
            "لا أمل في استرجاع المبالغ المحولة إلى الخارج.",
            "يبقى الأمل قائماً في تعاون السلطات المختصة.",
        ],
    },
    {
        "names": ["سلام الخطيب", "Salam Al-Khatib"],
        "given": "سلام",
        "family": "الخطيب",
        "region": "SY",
        "forms": {"pro": "للخطيب"},
        "lookalikes": [
            "عادت الفتيات إلى ديارهن بسلام بعد انتهاء الإجراءات.",
            "شاركت بعثة حفظ السلام في تأمين المخيم.",
        ],
    },
    {
        "names": ["صباح الجبوري"],
        "family_names": ["الجبوري"],
        "given": "صباح",
        "family": "الجبوري",
        "region": "IQ",
        "forms": {"pro": "للجبوري"},
        "lookalikes": [
            "في صباح يوم الاثنين داهمت الشرطة الشقة.",
            "وصلت الحافلة في الصباح الباكر إلى المعبر.",
        ],
    },
    {
        "names": ["فاطمة الزهراء بنصالح"],
        "family_names": ["بنصالح"],
        "given": "فاطمة",
        "family": "بنصالح",
        "region": "MA",
        "forms": {"pro": "لبنصالح"},
        "address": "زنقة المنصور الذهبي 17، حي المعاريف، الدار البيضاء",
    },
    {
        "names": ["نور الهدى عثمان"],
        "given": "نور",
        "family": "عثمان",
        "region": "SD",
        "forms": {"pro": "لعثمان"},
        "lookalikes": ["كانت الغرفة بلا نور ولا تهوية.", "انقطع النور عن المبنى ليلة المداهمة."],
    },
    {
        "names": ["حياة المنصوري"],
        "given": "حياة",
        "family": "المنصوري",
        "region": "MA",
        "forms": {"pro": "للمنصوري"},
        "lookalikes": [
            "وعدها الوسيط بحياة كريمة وعمل في فندق.",
            "تهدف البرامج إلى إعادة بناء حياة الناجيات.",
        ],
    },
    {
        "names": ["ريم عبد الرحمن"],
        "given": "ريم",
        "family": "عبد الرحمن",
        "region": "EG",
        "forms": {"pro": "لعبد الرحمن"},
    },
    {
        "names": ["مدينة الحسيني"],
        "given": "مدينة",
        "family": "الحسيني",
        "region": "JO",
        "forms": {"pro": "للحسيني"},
        "lookalike_class": "place_shares_name_token",
        "lookalikes": [
            "نُقلت الفتيات إلى مدينة طنجة ثم إلى إسبانيا.",
            "تقع الشقة في المدينة القديمة قرب السوق.",
        ],
    },
]

CLEAN = [
    "حددت جلسة المحاكمة يوم {IDATE} على {TIME} في إطار {CASE}.",
    "خلال الفترة {YEAR} سجلت الوحدة {COUNT} حالة، {PCT} منها تخص قاصرات.",
    "رصدت تحويلات مالية بمبلغ إجمالي قدره {AMT} عبر وكالات تحويل الأموال.",
    "سافر المشتبه فيه {SUSPECT} على متن الرحلة {FLIGHT} بتاريخ {IDATE}.",
    "خضعت السفينة ({IMO}) للتفتيش في ميناء طنجة المتوسط دون نتيجة.",
    "حجزت السيارة التي تحمل لوحة الترقيم {PLATE} بعد التفتيش.",
    "تندرج الأفعال ضمن {ART}.",
    "كان عمرها {AGE} سنة عندما نقلت إلى شقة في {POST}.",
    "يمكن الاتصال بالرقم الأخضر للجمعية {INST} على مدار الساعة.",
    "يرجى ذكر مرجعنا {REF} في كل مراسلة.",
    "في حالة الطوارئ يمكن الاتصال بالرقم {HOTLINE}.",
    "كان الوسيط {SUSPECT} يعد الفتيات بعمل في صالون تجميل مقابل {AMT} شهرياً.",
    "بتاريخ {IDATE} استمعت الضابطة القضائية إلى {AGE} شهود في إطار {CASE}.",
    "يغلق مركز الإيواء أبوابه على {TIME} وتبقى مرشدة اجتماعية في عين المكان.",
    "ترفق الوثائق في الصفحات من 14 إلى 52 من الملف.",
]

IDENTIFIER = [
    "الضحية {V}، المزدادة بتاريخ {DOB}، أحيلت على مركز الإيواء.",
    "صرحت السيدة {VGIV} بأنها كانت مطالبة بتسديد دين قدره {AMT}.",
    "كان جواز سفرها رقم {PASS} بحوزة المشغل.",
    "كان الوسيط يتصل بها من الرقم {PHO}.",
    "تم استدراجها عبر واتساب من الرقم {PHX}.",
    "هاتفها الشخصي ({PHV}) مغلق منذ توقيف المشتبه فيهم.",
    "كانت المداخيل تودع في الحساب {IBAN}.",
    "كانت الإعلانات تنشر من البريد الإلكتروني {EMAIL}.",
    "قبل إيوائها كانت تقيم في {ADDR}.",
    "أختها الصغرى، المولودة في {ODOB}، ما تزال في الدار البيضاء.",
    "ترفض الشاهدة {VFAM} إخبار عائلتها.",
    "أدلت ببطاقتها الوطنية رقم {NID}.",
    "حجز جواز سفر المسير {OPASS} في غرفة النوم.",
    "تم الاستماع إلى {V} مجدداً بحضور مترجمة.",
    "الاسم: {V} - تاريخ الميلاد: {DOB} - الهاتف: {PHV}.",
    "رفضت فتاة أخرى، رقم هاتفها {PHO}، تقديم شكاية.",
    "نرجو التحقق مما إذا كانت {VFAM} معروفة لدى مصالحكم.",
    "سلمت المساعدة الاجتماعية الملف {VPRO} بعد الاستماع.",
    "حسب المرشدة، عادت {V} للتواصل مع والدتها.",
    "جواز سفر صاحبة الشقة {OPASS} مذكور في عقد الكراء.",
]

LIMITS = [
    ("كانت تنشر على تيك توك باسم [[social_handle:victim|@amal_casa2005]].", "limit_social_handle"),
    ("بريدها: [[email:victim|amal dot b at gmail dot com]].", "limit_email_obfuscated"),
    ("كان الوسيط يسكن في [[address:other|شارع الجيش الملكي 41، مكناس]].", "limit_other_address"),
    (
        "رقم حسابها في البنك الشعبي [[bank_account:victim|0417 2299 8841 0023]].",
        "limit_domestic_account",
    ),
    (
        "أملت رقم هاتفها: [[phone:victim|صفر ستة، واحد اثنان، أربعة خمسة، تسعة ثمانية، "
        "سبعة سبعة]].",
        "limit_in_words",
    ),
]
