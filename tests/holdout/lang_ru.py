"""Russian: police reports and records, NGO notes, prosecutors' requests for legal
assistance (Russia, Uzbekistan, Kyrgyzstan, Ukraine, Moldova). Everyone is invented."""

# ruff: noqa: RUF001

from __future__ import annotations

import random

from tests.corpus import identifiers as ids

from .draw import digits, ukrainian_id

CODE = "ru"
SENDER = "RU"
JOIN = " "
PCT = "%"
THOUSANDS = " "
TIME = "{h:02d}:{m:02d}"
THIRD_COUNTRIES = ("TR", "AE", "DE", "KZ")
IBAN_COUNTRIES = ("UA", "MD", "DE", "KZ")
EMAIL_USERS = ("zarina", "lyuba.k", "rabota.dubai", "dilya", "aigul")
EMAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru")
INSTITUTION_PHONES = ("8 800 333-00-16", "8-800-2000-122", "8 800 100-49-94")

_CYR = "АВЕКМНОРСТУХ"


def national_id(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return ids.russian_internal_passport(rng)
    return ukrainian_id(rng)


def case_number(rng: random.Random) -> str:
    year = rng.choice((2024, 2025, 2026))
    return rng.choice(
        (
            f"уголовное дело № {year % 100}{digits(rng, 15)}",
            f"КУСП № {rng.randint(1000, 39999)}",
            f"дело № 1-{rng.randint(10, 999)}/{year}",
            f"материал проверки № {digits(rng, 4)}-{year % 100}",
            f"уголовное дело № {digits(rng, 15)}",
        )
    )


def reference(rng: random.Random) -> str:
    return rng.choice((f"исх. № 7/{digits(rng, 4)}-2026", f"ГУ/МП/{digits(rng, 5)}"))


def amount(rng: random.Random) -> str:
    return rng.choice(
        (
            f"{rng.randint(20, 990)} 000 рублей",
            f"{rng.randint(300, 9000)} долларов США",
            f"{rng.randint(2, 90)} {digits(rng, 3)} руб.",
            f"{rng.randint(500, 5000)} евро",
        )
    )


def article(rng: random.Random) -> str:
    return rng.choice(("п. «а» ч. 2 ст. 127.1 УК РФ", "ч. 3 ст. 127.2 УК РФ", "ст. 241 УК РФ"))


def flight(rng: random.Random) -> str:
    return rng.choice(("SU 1870", "HY 602", "FZ 912", "TK 414"))


def plate(rng: random.Random) -> str:
    c = rng.choice
    return f"{c(_CYR)}{digits(rng, 3)}{c(_CYR)}{c(_CYR)} {rng.choice(('77', '197', '54', '161'))}"


def postcode(rng: random.Random) -> str:
    return rng.choice(("630099, Новосибирск", "105005, Москва", "620014, Екатеринбург"))


def suspect(rng: random.Random) -> str:
    return rng.choice(("Геннадий Сухоруков", "Рустам Алимов", "Олег Дрозденко", "Тимур Лисицын"))


def hotline(rng: random.Random) -> str:
    return rng.choice(("112", "102", "103"))


ADDRESSES = [
    "ул. Садовая, д. 17, кв. 4, Подольск",
    "пр. Ленина, д. 102, кв. 58, Екатеринбург",
    "ул. Амира Темура, д. 9, Самарканд",
]

VICTIMS = [
    {
        "names": ["Любовь Ковальчук"],
        "given": "Любовь",
        "family": "Ковальчук",
        "region": "UA",
        "forms": {"gen": "Любови Ковальчук", "dat": "Любови Ковальчук", "ins": "Любовью Ковальчук"},
        "lookalikes": [
            "Вербовщик обещал ей любовь и хорошую работу.",
            "Вся любовь матери не смогла удержать её дома.",
        ],
    },
    {
        "names": ["Зарина Рахимова"],
        "given": "Зарина",
        "family": "Рахимова",
        "region": "UZ",
        "forms": {"gen": "Зарины Рахимовой", "dat": "Зарине Рахимовой", "ins": "Зариной Рахимовой"},
        "address": "ул. Навои, д. 48, кв. 12, Ташкент",
    },
    {
        "names": ["Вера Ткаченко"],
        "given": "Вера",
        "family": "Ткаченко",
        "region": "UA",
        "forms": {"gen": "Веры Ткаченко", "dat": "Вере Ткаченко", "ins": "Верой Ткаченко"},
        "lookalikes": [
            "Вера в правосудие у пострадавших подорвана.",
            "У неё не осталось веры в помощь полиции.",
        ],
    },
    {
        "names": ["Дильноза Каримова"],
        "family_names": ["Каримова"],
        "given": "Дильноза",
        "family": "Каримова",
        "region": "UZ",
        "forms": {
            "gen": "Дильнозы Каримовой",
            "dat": "Дильнозе Каримовой",
            "ins": "Дильнозой Каримовой",
        },
    },
    {
        "names": ["Надежда Гринько"],
        "given": "Надежда",
        "family": "Гринько",
        "region": "MD",
        "forms": {"gen": "Надежды Гринько", "dat": "Надежде Гринько", "ins": "Надеждой Гринько"},
        "lookalikes": [
            "Надежда на скорое возвращение денег невелика.",
            "Это последняя надежда семьи, пишет сотрудница центра.",
        ],
    },
    {
        "names": ["Айгуль Сапарова"],
        "given": "Айгуль",
        "family": "Сапарова",
        "region": "KG",
        "forms": {"gen": "Айгуль Сапаровой", "dat": "Айгуль Сапаровой", "ins": "Айгуль Сапаровой"},
    },
    {
        "names": ["Милана Оганесян"],
        "family_names": ["Оганесян"],
        "given": "Милана",
        "family": "Оганесян",
        "region": "AM",
        "forms": {"gen": "Миланы Оганесян", "dat": "Милане Оганесян", "ins": "Миланой Оганесян"},
        "lookalike_class": "place_shares_name_token",
        "lookalikes": [
            "Девушек обещали отправить в Милан на работу моделями.",
            "Вербовщица показывала фотографии из Милана.",
        ],
    },
    {
        "names": ["Ольга Стрельцова"],
        "given": "Ольга",
        "family": "Стрельцова",
        "region": "RU",
        "forms": {
            "gen": "Ольги Стрельцовой",
            "dat": "Ольге Стрельцовой",
            "ins": "Ольгой Стрельцовой",
        },
    },
]

CLEAN = [
    "Судебное заседание назначено на {IDATE}, {TIME} ({CASE}).",
    "За {YEAR} годы центр принял {COUNT} обращений, {PCT} из них от несовершеннолетних.",
    "Установлены переводы на общую сумму {AMT} через платёжные системы.",
    "Подозреваемый {SUSPECT} вылетел рейсом {FLIGHT} {IDATE}.",
    "Судно ({IMO}) досмотрено в порту Новороссийска, посторонних лиц не обнаружено.",
    "Автомобиль с государственным номером {PLATE} изъят после обыска.",
    "Действия квалифицированы по {ART}.",
    "Ей было {AGE} лет, когда её перевезли в квартиру по индексу {POST}.",
    "Бесплатная горячая линия центра {INST} работает круглосуточно.",
    "Просим указывать наш номер {REF} в ответе.",
    "В экстренных случаях следует звонить по номеру {HOTLINE}.",
    "Вербовщик {SUSPECT} обещал работу официанткой за {AMT} в месяц.",
    "{IDATE} по {CASE} допрошены {AGE} свидетелей.",
    "Приют закрывается в {TIME}, на месте всегда остаётся дежурный социальный работник.",
    "Документы приложены на листах 17–64 материалов проверки.",
]

IDENTIFIER = [
    "Потерпевшая {V} (дата рождения: {DOB}) направлена в приют.",
    "Гражданка {VGIV} пояснила, что от неё требовали долг в размере {AMT}.",
    "Её паспорт № {PASS} находился у работодателя.",
    "Вербовщик звонил ей с номера {PHO}.",
    "Её завербовали через Telegram с номера {PHX}.",
    "Мобильный телефон потерпевшей ({PHV}) выключен с момента задержания.",
    "Доходы перечислялись на счёт {IBAN}.",
    "Объявления размещались с адреса {EMAIL}.",
    "До помещения в приют проживала по адресу: {ADDR}.",
    "Её младшая сестра, родившаяся {ODOB}, предположительно осталась в Фергане.",
    "Свидетельница {VFAM} просит не сообщать семье.",
    "Предъявлен паспорт гражданина серии и номера {NID}.",
    "Паспорт администратора {OPASS} изъят в спальне.",
    "Повторно опрошена {V} в присутствии переводчика.",
    "Данные: {V}; дата рождения {DOB}; телефон {PHV}.",
    "Другая девушка, телефон {PHO}, от подачи заявления отказалась.",
    "Просим проверить по учётам {VGEN}.",
    "Сотрудница центра передала документы {VDAT} после опроса.",
    "С {VINS} удалось связаться только через консульство.",
    "По словам психолога, {V} возобновила общение с матерью.",
]

LIMITS = [
    (
        "В Instagram она вела страницу [[social_handle:victim|@zarina_tash01]].",
        "limit_social_handle",
    ),
    ("Почта: [[email:victim|zarina собака mail точка ru]].", "limit_email_obfuscated"),
    (
        "Вербовщик проживал по адресу: [[address:other|г. Самара, ул. Ново-Садовая, д. 3, "
        "кв. 71]].",
        "limit_other_address",
    ),
    (
        "Зарплату переводили на карту Сбербанка [[bank_account:victim|2202 2006 4417 8859]].",
        "limit_domestic_account",
    ),
    (
        "Номер продиктовала словами: [[phone:victim|девятьсот шестнадцать, триста сорок два, "
        "семнадцать, ноль восемь]].",
        "limit_in_words",
    ),
]
