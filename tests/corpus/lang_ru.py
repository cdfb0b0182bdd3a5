"""Russian templates: Russian, Kazakh and Kyrgyz referrals, victims from Central Asia,
Moldova and Russia (invented people). Names decline, so templates use their cases."""

# Cyrillic text is the point of this module:
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import random

from . import identifiers
from .common import digits, email_address, flight, incident, pick, year

CODE = "ru"
SENDERS = ("RU", "RU", "KZ", "KG")
JOINERS = (" ", " ", " ", "\n")

VICTIMS = [
    ("Дильноза", "Каримова", "UZ", "Dilnoza Karimova"),
    ("Вера", "Соколова", "RU", "Vera Sokolova"),
    ("Надежда", "Петрова", "MD", "Nadejda Petrova"),
    ("Любовь", "Иванова", "RU", "Lyubov Ivanova"),
    ("Наталья", "Ёлкина", "RU", "Natalya Yolkina"),
    ("Гульнара", "Абдуллаева", "KG", "Gulnara Abdullaeva"),
    ("Мадина", "Рахимова", "TJ", "Madina Rakhimova"),
    ("Ольга", "Морозова", "UA", "Olha Morozova"),
    ("Виктория", "Лебедева", "MD", "Victoria Lebedeva"),
    ("Мария", "Кузнецова", "RU", "Maria Kuznetsova"),
    ("Зарина", "Юсупова", "UZ", "Zarina Yusupova"),
    ("Анастасия", "Волкова", "BY", "Anastasiya Volkova"),
    ("Роза", "Ахмедова", "UZ", "Roza Akhmedova"),
    ("Мира", "Осипова", "KZ", "Mira Osipova"),
    ("Алия", "Нурланова", "KZ", "Aliya Nurlanova"),
    ("Светлана", "Орлова", "RU", "Svetlana Orlova"),
    ("Нилуфар", "Ташпулатова", "UZ", "Nilufar Tashpulatova"),
    ("Айгерима", "Жумабаева", "KZ", "Aigerima Zhumabayeva"),
]
OTHERS = [
    ("Бахтиёр", "Юлдашев", "UZ", "Bakhtiyor Yuldashev"),
    ("Оксана", "Гребнева", "RU", "Oksana Grebneva"),
    ("Рустам", "Назаров", "TJ", "Rustam Nazarov"),
    ("Игорь", "Чебан", "MD", "Igor Ceban"),
    ("Ержан", "Сейткали", "KZ", "Yerzhan Seitkali"),
    ("Mehmet", "Yilmaz", "TR"),
]

NAME_LOOKALIKES = [
    (
        VICTIMS[1],
        [
            "Вера в справедливость помогла ей дать показания.",
            "Она потеряла веру в помощь полиции своей страны.",
            "Только с верой в защиту она согласилась на допрос.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[2],
        [
            "Она не теряет надежды вернуть паспорт.",
            "Есть надежда, что младшую сестру удастся найти.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[3],
        [
            "Вербовщик изображал любовь и обещал жениться.",
            "Ради любви к детям она терпела побои.",
        ],
        "common_word_name",
    ),
    (VICTIMS[12], ["В комнате, где их держали, стояли искусственные розы."], "common_word_name"),
    (
        VICTIMS[13],
        [
            "В сауне работали женщины из разных стран мира.",
            "Ни мира, ни покоя в той квартире не было, говорит она.",
        ],
        "common_word_name",
    ),
    (VICTIMS[8], ["Её перевезли в гостиницу «Виктория» в Подольске."], "place_shares_name_token"),
]

NARRATIVE = [
    "Была завербована в Ташкенте в {year} году под предлогом работы официанткой в Москве.",
    "Прилетела в Москву рейсом {flight} {date}.",
    "С {date} по {date} содержалась в квартире в Люберцах, где её заставляли отрабатывать "
    "долг в размере {amount}.",
    "Сотрудники полиции провели обыск в квартире {date} в {time}.",
    "Возбуждено уголовное дело № {case} по признакам преступления, предусмотренного {art}.",
    "Обвиняемая {S} заключена под стражу.",
    "Финансовая проверка выявила переводы на сумму {amount} и {amount} за границу.",
    "Автомобиль с государственным регистрационным знаком {plate} использовался для перевозки "
    "женщин.",
    "По её словам, {pct} заработка забирала хозяйка квартиры.",
    "Ей сообщили, что в экстренной ситуации можно звонить по номеру {hotline}.",
    "Просим ссылаться в переписке на наш исх. № {ref}.",
    "Суд избрал обвиняемым меру пресечения в виде заключения под стражу {date}.",
    "Долг рос каждый месяц из-за штрафов и к {year} году превысил {amount}.",
    "Материалы проверки КУСП № {kusp} переданы в следственный отдел.",
    "Запрос о правовой помощи на основании {art} направлен {date}.",
    "Переводы на общую сумму {amount} осуществлялись с {date} по {date}.",
    "На момент вербовки ей было семнадцать лет; сейчас она находится в реабилитационном центре.",
    "{date} около {time} женщин перевезли в другую квартиру в Подольске.",
    "Судебное заседание назначено на {date} в Люблинском районном суде.",
    "Следственный комитет возбудил уголовное дело № {case}.",
    "Паспорта у всех работниц отбирали сразу по прибытии.",
]

IDENTIFIER: list[tuple[str, tuple[str, ...]]] = [
    ("Потерпевшая {V} установлена в ходе обыска {date}.", ("name_with_title",)),
    ("Гражданка {V}, {dob} г.р., допрошена в присутствии переводчика.", ("dob_inflected_cue",)),
    ("Дата рождения: {dob}.", ()),
    ("Родившаяся {dobw} в Самарканде, она прибыла в Россию в {year} году.", ("dob_inflected_cue",)),
    ("{V}, родилась {dob} в г. Бишкеке, дала показания.", ("dob_inflected_cue",)),
    ("С ней можно связаться по телефону {tel} через сотрудника фонда.", ()),
    ("Вербовщик звонил ей с номера {Otel}.", ("phone_inflected_cue",)),
    ("В блокноте, найденном в её сумке, записано только {Otel}.", ("phone_far_from_cue",)),
    ("Её паспорт № {pass} хозяйка квартиры забрала сразу по прибытии.", ()),
    (
        "Паспорт, по которому она въехала ({passsplit}), получен по поддельному свидетельству "
        "о рождении.",
        (),
    ),
    ("Документ, удостоверяющий личность: {nid}.", ()),
    ("Деньги перечислялись на её счёт {iban}.", ()),
    ("Переводы шли на счёт {Oiban}, открытый на имя брата обвиняемого.", ()),
    ("Для связи с матерью она использовала адрес {mail}.", ()),
    ("Предложение о работе пришло с адреса {Omail}.", ()),
    ("До освобождения проживала по адресу: {addr}.", ()),
    (
        "Её младшая сестра, {Odob} г.р., остаётся на родине и может быть в опасности.",
        ("dob_other_person", "dob_inflected_cue"),
    ),
    ("В ходе допроса {g} пояснила, что опасается мести.", ()),
    ("Допрошена потерпевшая {V} в присутствии переводчика {date}.", ("name_with_title",)),
    ("Прилагаем протокол допроса {gen} ({dob} г.р.).", ("dob_inflected_cue",)),
    ("Номер телефона её матери: {Otel}; матери поступали угрозы.", ()),
    ("Не звоните потерпевшей напрямую по номеру {tel}.", ("phone_inflected_cue",)),
    ("В автомобиле обнаружены авиабилеты на имя {gen}.", ()),
    ("{V} направлена в реабилитационный центр {date}.", ()),
    ("Хозяйка квартиры, паспорт которой {Opass} изъят в аэропорту, вину не признаёт.", ()),
    (
        "Ещё одна девушка, родившаяся {Odobw}, до сих пор не установлена.",
        ("dob_other_person", "dob_inflected_cue"),
    ),
    ("Она назвала номер водителя {Otel}, которому звонила каждый вечер.", ()),
    ("Указанная ею дата рождения ({dobw}) не совпадает с паспортной.", ()),
    ("Других номеров, кроме {tel}, у неё нет.", ("phone_inflected_cue",)),
    ("Показания {gen} подтверждаются материалами дела.", ()),
    ("С {ins} работает психолог фонда.", ()),
    ("Сведения о {pre} направлены в консульство.", ()),
    ("Вещи {fgen} изъяты при обыске.", ()),
    ("Следователь вручил {dat} копию постановления.", ()),
    ("Её мать проживает по адресу: {Oaddr}; угрозы поступали туда.", ()),
    ("Квартиру снимал мужчина, документ которого {Onid} указан в договоре.", ()),
]


def _case(rng: random.Random) -> tuple[str, str]:
    y = rng.randint(2023, 2026) % 100
    return rng.choice(
        (
            f"1{y:02d}01{rng.randint(1, 99):02d}{digits(rng, 4)}{digits(rng, 6)}",
            f"1{y:02d}01{rng.randint(1, 99):02d}{digits(rng, 4)}{digits(rng, 6)}",
            f"1{digits(rng, 14)}",
            f"{y:02d}15{digits(rng, 11)}",
            f"1-{rng.randint(10, 999)}/20{y:02d}",
        )
    ), "case_number"


def _amount(rng: random.Random) -> tuple[str, str]:
    n = rng.choice((rng.randint(2, 90) * 500, rng.randint(1, 60) * 25000))
    return rng.choice(
        (
            f"{n * 10:,} рублей".replace(",", " "),
            f"{n:,} долларов США".replace(",", " "),
            f"{n // 100} тыс. руб.",
            f"{n * 10:,} ₽".replace(",", " "),
            f"{n * 1000:,} сумов".replace(",", " "),
            f"{n * 100:,} тенге".replace(",", " "),
        )
    ), "amount"


def _plate(rng: random.Random) -> tuple[str, str]:
    letters = "АВЕКМНОРСТУХ"
    return (
        f"{rng.choice(letters)}{rng.randint(100, 999)}{rng.choice(letters)}"
        f"{rng.choice(letters)}{rng.choice((' ', ''))}{rng.choice((77, 97, 177, 750, 50))}",
        "vehicle_plate",
    )


LOOKALIKES = {
    "date": incident("ru"),
    "year": year,
    "pct": lambda rng: (f"{rng.randint(5, 95)} %", "percentage"),
    "time": lambda rng: (f"{rng.randint(0, 23)}:{rng.choice(('00', '15', '30', '45'))}", "time"),
    "flight": flight,
    "case": _case,
    "kusp": lambda rng: (str(rng.randint(1000, 99999)), "case_number"),
    "amount": _amount,
    "plate": _plate,
    "ref": lambda rng: (
        rng.choice(
            (
                f"{rng.randint(1, 9)}/{rng.randint(1, 9)}-{rng.randint(1000, 9999)}",
                f"{rng.randint(100, 999)}/{rng.randint(24, 26)}-МЛА",
            )
        ),
        "reference",
    ),
    "art": pick(
        "article_number",
        "ст. 127.1 УК РФ",
        "п. «а» ч. 2 ст. 127.1 УК РФ",
        "ст. 128.1 УК Республики Казахстан",
        "ст. 18 Конвенции ООН против транснациональной организованной преступности",
        "ст. 453 УПК РФ",
    ),
    "hotline": pick("hotline_short", "112", "102", "02"),
    "S": pick(
        "suspect_name", "Оксана Гребнева", "Бахтиёр Юлдашев", "Рустам Назаров", "Тимур Хасанов"
    ),
}


def national_id(rng: random.Random, region: str, born: dt.date) -> str:
    match region:
        case "RU":
            return identifiers.russian_internal_passport(rng)
        case "UZ" | "KG":
            return f"{rng.choice('1234')}{born.strftime('%d%m%Y')}{digits(rng, 5)}"
        case "KZ":
            return born.strftime("%y%m%d") + rng.choice("56") + digits(rng, 5)
        case "MD":
            return "2" + digits(rng, 12)
        case "BY":
            return (
                f"{rng.choice('3456')}{born.strftime('%d%m%y')}A{digits(rng, 3)}PB{digits(rng, 1)}"
            )
        case _:
            return digits(rng, 10)


def email(rng: random.Random, given: str, family: str, spellings: list[str]) -> str:
    latin = (spellings[0] if spellings else f"{given} {family}").split()
    return email_address(rng, latin[0], latin[-1], ("mail.ru", "yandex.ru", "gmail.com", "bk.ru"))


def bank_account(rng: random.Random, region: str) -> str:
    """A Russian 20-digit personal account with its control key (BIK 044525225), or an
    IBAN of a neighbouring country."""
    if rng.random() < 0.4:
        return identifiers.iban(rng, rng.choice(("KZ", "UA")))
    bik = "044525225"
    account = [int(c) for c in "40817810" + "0" + digits(rng, 11)]
    weights = ([7, 1, 3] * 8)[:23]
    keyed = [int(c) for c in bik[-3:]] + account
    total = sum((d * w) % 10 for d, w in zip(keyed, weights, strict=True))
    account[8] = (total % 10 * 3) % 10
    return "".join(map(str, account))


def address(rng: random.Random) -> str:
    return rng.choice(
        (
            f"г. Москва, ул. Верхние Поля, д. {rng.randint(2, 60)}, кв. {rng.randint(1, 200)}",
            f"Московская обл., г. Люберцы, ул. Смирновская, д. {rng.randint(2, 40)}, "
            f"кв. {rng.randint(1, 150)}",
            f"г. Ташкент, ул. Навои, д. {rng.randint(2, 90)}, кв. {rng.randint(1, 80)}",
            f"г. Бишкек, мкр. Джал, д. {rng.randint(2, 40)}, кв. {rng.randint(1, 90)}",
            f"г. Алматы, ул. Толе би, д. {rng.randint(2, 300)}, кв. {rng.randint(1, 120)}",
        )
    )


def full_name(rng: random.Random, given: str, family: str) -> str:
    return rng.choice((f"{given} {family}", f"{family} {given}", f"{family.upper()} {given}"))


_CASES = {"gen": 0, "dat": 1, "ins": 2, "pre": 3}


def _given(name: str, case: str) -> str:
    index = _CASES[case]
    if name.endswith("ь"):  # Любовь
        return name[:-2] + "ви" if index != 2 else name + "ю"
    if name.endswith("ия"):
        return name[:-1] + ("и", "и", "ей", "и")[index]
    if name.endswith("я"):
        return name[:-1] + ("и", "е", "ей", "е")[index]
    if name.endswith("а"):
        soft = name[-2] in "гкхжшщч"
        return name[:-1] + ("и" if soft else "ы", "е", "ой", "е")[index]
    return name


def _family(name: str) -> str:
    # Feminine -ова/-ева/-ина: every oblique case but the accusative ends in -ой.
    return name[:-1] + "ой" if name.endswith("а") else name


def inflect(given: str, family: str, key: str) -> str:
    """The name in the case `key` (gen, dat, ins, pre; fgen: the family name alone)."""
    if key == "fgen":
        return _family(family)
    if key == "gg":
        return _given(given, "gen")
    return f"{_given(given, key)} {_family(family)}"
