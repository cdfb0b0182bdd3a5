"""Arabic templates: Moroccan, Egyptian, Jordanian, Lebanese and Tunisian referrals,
victims from the region (invented people). Names are recorded in Arabic script and in
the Latin spelling of the victim's papers."""

# Arabic text is the point of this module:

from __future__ import annotations

import datetime as dt
import random

from . import identifiers
from .common import digits, email_address, flight, incident, pick, year

CODE = "ar"
SENDERS = ("MA", "EG", "JO", "LB", "TN")
JOINERS = (" ", " ", " ", "\n")

VICTIMS = [
    ("ليلى", "الحسيني", "SY", "Layla Al-Husseini"),
    ("أسماء", "بنعلي", "MA", "Asmae Benali"),
    ("أمل", "الخطيب", "SY", "Amal Al-Khatib"),
    ("نور", "حداد", "LB", "Nour Haddad"),
    ("فاطمة الزهراء", "العلوي", "MA", "Fatima Zahra Alaoui"),
    ("خديجة", "الإدريسي", "MA", "Khadija Idrissi"),
    ("مريم", "يوسف", "SD", "Mariam Yousif"),
    ("زينب", "الجبوري", "IQ", "Zainab Al-Jubouri"),
    ("سلمى", "الأحمد", "SY", "Salma Al-Ahmad"),
    ("رحمة", "إبراهيم", "SD", "Rahma Ibrahim"),
    ("نجاة", "الفاسي", "MA", "Najat El Fassi"),
    ("حياة", "بوعزة", "MA", "Hayat Bouazza"),
    ("وفاء", "عبد الله", "EG", "Wafaa Abdallah"),
    ("إيمان", "قاسم", "LB", "Iman Kassem"),
    ("مريم", "بن سالم", "TN", "Meriem Ben Salem"),
    ("رشا", "عثمان", "SD", "Rasha Osman"),
    ("سعاد", "الطاهر", "TN", "Souad Tahar"),
    ("هبة", "الشامي", "SY", "Heba Al-Shami"),
]
OTHERS = [
    ("كريم", "الزعبي", "JO", "Karim Zoubi"),
    ("سمير", "العطار", "LB", "Samir Attar"),
    ("نادية", "الحلبي", "SY", "Nadia Halabi"),
    ("مصطفى", "الورداني", "EG", "Mostafa Wardany"),
    ("عبد الرحيم", "الكتاني", "MA", "Abderrahim Kettani"),
    ("Ahmed", "Ali", "LY"),
]
WITNESSES = [
    ("علي", "حسن", "EG", "Ali Hassan"),
    ("سعيد", "المصري", "EG", "Said Masri"),
    ("نور الدين", "بلقاسم", "TN", "Noureddine Belkacem"),
]

NAME_LOOKALIKES = [
    (
        VICTIMS[0],
        [
            "كانت تعمل في ملهى ليلي في جونية.",
            "عملت في نوبات عمل ليلي طويلة دون أجر.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[1],
        [
            "رفضت ذكر أسماء المجندين خوفاً من الانتقام.",
            "قدمت الشرطة قائمة بأسماء المشتبه بهم إلى النيابة.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[2],
        [
            "لديها أمل ضعيف في استعادة جواز سفرها.",
            "ما زال لديها أمل في العودة إلى الدراسة.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[3],
        [
            "كانت الغرفة بلا نور ولا تهوية.",
            "لم ترَ نور الشمس طوال أشهر.",
        ],
        "common_word_name",
    ),
    (VICTIMS[9], ["كانت طوال تلك الأشهر تحت رحمة صاحب الملهى."], "common_word_name"),
    (VICTIMS[10], ["روت أمام المحققين قصة نجاة مؤلمة."], "common_word_name"),
    (VICTIMS[11], ["تريد أن تبدأ حياة جديدة مع ابنتها."], "common_word_name"),
    (VICTIMS[12], ["طُلب منها العمل دون أجر وفاءً للدين الذي فرضه المهربون."], "common_word_name"),
    (VICTIMS[13], ["تحدثت بإيمان عميق عن رغبتها في الشهادة أمام المحكمة."], "common_word_name"),
    (VICTIMS[14], ["نُقلت لاحقاً إلى مدينة بن قردان قرب الحدود الليبية."], "name_particle"),
    (
        VICTIMS[6],
        ["أُجبرت على العمل سبعة أيام في الأسبوع.", "حصلت على إقامة مؤقتة بفضل الجمعية."],
        "common_word_name",
        WITNESSES[0],
    ),
    (VICTIMS[15], ["وصفت يوم الإفراج عنها بأنه يوم سعيد."], "common_word_name", WITNESSES[1]),
]

NARRATIVE = [
    "تم استدراجها في حلب عام {year} بعرض عمل وهمي في صالون تجميل.",
    "سافرت إلى بيروت على متن الرحلة {flight} ووصلت في {date}.",
    "بين {date} و{date} احتُجزت في شقة في جونية وأُجبرت على سداد دين قدره {amount}.",
    "داهمت الشرطة الشقة في {date} عند الساعة {time}.",
    "القضية مسجلة لدى النيابة العامة تحت رقم {case}.",
    "تُلاحق المتهمة {S} بموجب {art}.",
    "كشف التحقيق المالي عن تحويلات بقيمة {amount} و{amount} إلى الخارج.",
    "كانت السيارة التي تحمل اللوحة {plate} تُستخدم لنقل النساء إلى الملهى.",
    "وبحسب إفادتها، كان صاحب الملهى يأخذ {pct} من أجرها.",
    "أُبلغت بأن بإمكانها الاتصال بالرقم {hotline} في أي وقت.",
    "يرجى ذكر المرجع {ref} في أي مراسلة.",
    "قرر قاضي التحقيق إيداع المتهمين السجن في {date}.",
    "كان الدين يزداد كل شهر بسبب الغرامات، وبلغ {amount} في عام {year}.",
    "فتحت النيابة الملف {case} بعد عودتها إلى بلدها.",
    "أُرسل طلب المساعدة القانونية المتبادلة استناداً إلى {art} في {date}.",
    "كانت تبلغ من العمر سبعة عشر عاماً عند استدراجها، وتقيم اليوم في دار رعاية.",
    "في {date} نحو الساعة {time} نُقلت النساء إلى شقة أخرى في طنجة.",
    "حُددت جلسة المحاكمة في {date} أمام غرفة الجنايات.",
    "جرت التحويلات عبر مكتب صرافة في عمّان بين {date} و{date}.",
    "استُجوب المتهم الثاني في {date} بحضور محاميه.",
    "سُحبت منها جميع وثائقها فور وصولها، وهو ما أكدته ثلاث عاملات أخريات.",
]

IDENTIFIER: list[tuple[str, tuple[str, ...]]] = [
    ("تم التعرف على الضحية {V} أثناء المداهمة في {date}.", ()),
    (
        "السيدة {f}، من مواليد {dobw} في حلب، صرّحت بأنها وصلت إلى لبنان عام {year}.",
        ("name_with_title",),
    ),
    ("تاريخ الميلاد: {dob}.", ()),
    ("وهي من مواليد {dob} بحسب شهادة ميلادها.", ()),
    ("{V}، المولودة في {dob} في الدار البيضاء، أدلت بإفادتها.", ("dob_inflected_cue",)),
    ("يمكن التواصل معها على الرقم {tel} عبر الجمعية.", ()),
    ("كان الوسيط يتصل بها من الرقم {Otel}.", ()),
    ("في دفتر صغير عُثر عليه في حقيبتها لم يُكتب سوى {Otel}.", ("phone_far_from_cue",)),
    ("احتجزت صاحبة الملهى جواز سفرها رقم {pass} منذ وصولها.", ()),
    ("جواز السفر الذي سافرت به ({passsplit}) صدر بناءً على شهادة ميلاد مزورة.", ()),
    ("رقم البطاقة الوطنية: {nid}.", ()),
    ("كانت أجورها تُحوّل إلى حسابها {iban}.", ()),
    ("كانت التحويلات تذهب إلى الحساب {Oiban} باسم شقيق المتهم.", ()),
    ("كانت تستخدم البريد الإلكتروني {mail} للتواصل مع والدتها.", ()),
    ("وصل عرض العمل من العنوان {Omail}.", ()),
    ("كانت تقيم في {addr} حتى إنقاذها.", ()),
    (
        "أختها الصغرى، المولودة في {Odob}، ما زالت في البلد وقد تكون في خطر.",
        ("dob_other_person", "dob_inflected_cue"),
    ),
    ("وأفادت {g} في محضر الاستماع بأنها تخشى الانتقام من عائلتها.", ()),
    ("استمعنا إلى السيدة {V} بحضور مترجمة في {date}.", ("name_with_title",)),
    ("مرفق محضر الاستماع إلى {V} (تاريخ الميلاد {dob}).", ()),
    ("رقم والدتها هو {Otel}، وقد تلقت تهديدات.", ()),
    ("يُرجى عدم الاتصال بالضحية مباشرة على الرقم {tel}.", ()),
    ("عُثر في السيارة على تذاكر طيران باسم {V}.", ()),
    ("أُحيلت {V} إلى دار الإيواء في {date}.", ()),
    ("حضرت الجلسة الأخصائية الاجتماعية {wa} في {date}.", ()),
    ("قدّمت الجمعية الدعم النفسي {li} منذ {date}.", ()),
    ("اتصلت المنظمة {bi} في {date} لإبلاغها بموعد الجلسة.", ()),
    ("صاحبة الملهى، التي حُجز جواز سفرها {Opass} في المطار، تنكر التهم.", ()),
    ("وهناك شابة أخرى، من مواليد {Odobw}، لم يتم التعرف عليها بعد.", ("dob_other_person",)),
    ("أعطت رقم هاتف السائق، {Otel}، الذي كانت تتصل به كل ليلة.", ()),
    ("تاريخ ميلادها المصرح به، {dobw}، لا يطابق ما ورد في جواز السفر.", ()),
    ("وذكرت رقماً آخر هو {tel} لا يجوز نشره.", ("phone_inflected_cue",)),
    ("تقيم والدتها في {Oaddr} حيث وصلتها التهديدات.", ()),
    ("من بين أرقام الهواتف المضبوطة الرقم {Otel}.", ("phone_inflected_cue",)),
    ("قدّمت السفارة وثيقة سفر مؤقتة {li} في {date}.", ()),
    ("التقى المحققون {bi} مرتين في دار الإيواء.", ()),
]


def _maybe_indic(rng: random.Random, text: str) -> str:
    return identifiers.arabic_digits(text) if rng.random() < 0.35 else text


def _case(rng: random.Random) -> tuple[str, str]:
    y = rng.randint(2023, 2026)
    return _maybe_indic(
        rng,
        rng.choice(
            (
                f"{rng.randint(100, 99999)} لسنة {y} جنايات",
                f"{rng.randint(1, 9999)}/{y}",
                f"{y}/2610/{rng.randint(1, 999)}",
                f"جنايات {rng.randint(1, 4000)}/{y}",
                f"{rng.randint(10000, 99999)} لسنة {y} جنح",
            )
        ),
    ), "case_number"


def _amount(rng: random.Random) -> tuple[str, str]:
    n = rng.choice((rng.randint(2, 90) * 500, rng.randint(1, 60) * 25000))
    currency = rng.choice(("درهم", "دولار", "جنيه", "دينار", "ليرة لبنانية", "يورو"))
    return _maybe_indic(rng, f"{n} {currency}"), "amount"


def _plate(rng: random.Random) -> tuple[str, str]:
    letter = rng.choice("أبدهـو")
    return rng.choice(
        (
            f"{rng.randint(1000, 99999)}-{letter}-{rng.randint(1, 80)}",
            f"{rng.choice('نصطعسر')} {rng.choice('نصطعسر')} {rng.randint(100, 9999)}",
        )
    ), "vehicle_plate"


LOOKALIKES = {
    "date": incident("ar", arabic=True),
    "year": year,
    "pct": lambda rng: (_maybe_indic(rng, f"{rng.randint(5, 95)}%"), "percentage"),
    "time": lambda rng: (
        _maybe_indic(rng, f"{rng.randint(1, 12)}:{rng.choice(('00', '15', '30', '45'))}"),
        "time",
    ),
    "flight": flight,
    "case": _case,
    "amount": _amount,
    "plate": _plate,
    "ref": lambda rng: (
        rng.choice(
            (
                f"MLA/{rng.randint(2024, 2026)}/{rng.randint(1, 999):04d}",
                f"ت.ق/{rng.randint(2024, 2026)}/{rng.randint(1, 999)}",
            )
        ),
        "reference",
    ),
    "art": pick(
        "article_number",
        "الفصل 448-1 من القانون الجنائي",
        "المادة 2 من القانون رقم 64 لسنة 2010 بشأن مكافحة الاتجار بالبشر",
        "المادة 3 من قانون منع الاتجار بالبشر رقم 9 لسنة 2009",
        "المادة 18 من اتفاقية الأمم المتحدة لمكافحة الجريمة المنظمة عبر الوطنية",
        "الفصل 8 من القانون الأساسي عدد 61 لسنة 2016",
    ),
    "hotline": pick("hotline_short", "19", "122", "112", "16000"),
    "S": pick("suspect_name", "كريم الزعبي", "سمير العطار", "نادية الحلبي", "جمال الترك"),
}


def national_id(rng: random.Random, region: str, born: dt.date) -> str:
    match region:
        case "MA":
            return identifiers.moroccan_cin(rng)
        case "EG":
            return identifiers.egyptian_national_id(rng, born)
        case "TN":
            return digits(rng, 8)
        case "IQ" | "LB":
            return f"{rng.randint(1, 9)}{digits(rng, 11)}"
        case _:
            return f"{rng.randint(1, 9)}{digits(rng, 10)}"


def email(rng: random.Random, given: str, family: str, spellings: list[str]) -> str:
    latin = (spellings[0] if spellings else f"{given} {family}").replace("-", " ").split()
    return email_address(
        rng, latin[0], latin[-1], ("gmail.com", "hotmail.com", "yahoo.fr", "outlook.com")
    )


def bank_account(rng: random.Random, region: str) -> str:
    return identifiers.iban(rng, rng.choice(("EG", "JO", "LB", "TN", "SA", "AE")))


def address(rng: random.Random) -> str:
    return rng.choice(
        (
            f"{rng.randint(2, 90)} شارع الحسن الثاني، الدار البيضاء",
            f"شارع الجمهورية {rng.randint(2, 90)}، عابدين، القاهرة",
            f"حي الرياض، زنقة {rng.randint(2, 40)}، رقم {rng.randint(2, 90)}، الرباط",
            f"شارع الحمراء، بناية {rng.randint(2, 60)}، الطابق {rng.randint(1, 9)}، بيروت",
            f"جبل الحسين، شارع خالد بن الوليد {rng.randint(2, 90)}، عمّان",
        )
    )


def full_name(rng: random.Random, given: str, family: str) -> str:
    return f"{given} {family}"


def proclitic(rng: random.Random, given: str, family: str, key: str) -> str:
    """The name with an attached conjunction or preposition (و، ل، ب)."""
    match key:
        case "wa":
            return f"و{given} {family}"
        case "li":
            return f"ل{given}"
        case "bi":
            return f"ب{given}"
        case _:
            return f"و{family}"
