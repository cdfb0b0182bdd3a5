"""Spanish templates: Spanish and Colombian referrals, victims from Latin America
(invented people)."""

from __future__ import annotations

import datetime as dt
import random

from . import identifiers
from .common import (
    clock,
    digits,
    email_address,
    flight,
    incident,
    letters,
    percentage,
    pick,
    year,
)

CODE = "es"
SENDERS = ("ES", "ES", "CO", "ES")
JOINERS = (" ", " ", " ", "\n")

VICTIMS = [
    ("Esperanza", "Castaño", "CO"),
    ("Rosa", "Benítez", "PY"),
    ("Luz Marina", "Restrepo", "CO"),
    ("Dolores", "Quispe", "PE"),
    ("Paz", "Ortega", "ES"),
    ("Socorro", "Ramírez", "CO"),
    ("Consuelo", "Acosta", "VE"),
    ("Mercedes", "Vargas", "DO"),
    ("Pilar", "Gómez", "ES"),
    ("Amparo", "Rincón", "CO"),
    ("Rocío", "Céspedes", "PY"),
    ("Esperanza", "de la Cruz", "DO"),
    ("Yuliana", "Ospina", "CO"),
    ("Daniela", "Moreno Gil", "VE"),
    ("María José", "Pérez Duarte", "VE"),
    ("Milagros", "Ayala", "PY"),
    ("Victoria", "Mendoza", "CO"),
    ("Blanca", "Ruiz", "DO"),
    ("Yesenia", "Mosquera", "CO"),
    ("Karina", "Villalba", "PY"),
    ("Vera", "Salazar", "CO"),
]
OTHERS = [
    ("Jhon Jairo", "Cardona", "CO"),
    ("Wilmer", "Zapata", "CO"),
    ("Nelly", "Rojas", "VE"),
    ("Ramón", "Peralta", "DO"),
    ("Irina", "Popescu", "RO"),
    ("Antonio", "Herrera", "ES"),
]

NAME_LOOKALIKES = [
    (
        VICTIMS[0],
        [
            "No tiene ninguna esperanza de recuperar su pasaporte.",
            "La esperanza de un trabajo en España convenció a su familia.",
        ],
        "common_word_name",
    ),
    (VICTIMS[1], ["Llevaba una camiseta rosa el día de la detención."], "common_word_name"),
    (
        VICTIMS[2],
        [
            "El piso no tenía luz ni agua caliente.",
            "Salió a la luz que el club funcionaba desde hacía años.",
        ],
        "common_word_name",
    ),
    (VICTIMS[3], ["Sufre fuertes dolores de cabeza desde que salió del club."], "common_word_name"),
    (
        VICTIMS[4],
        [
            "Solo quiere vivir en paz con su hija.",
            "El Juzgado de Paz de la localidad remitió el atestado al juzgado de guardia.",
            "Viajó en autobús desde La Paz hasta la frontera.",
        ],
        "common_word_name",
    ),
    (VICTIMS[5], ["Pidió socorro a una vecina desde la ventana del baño."], "common_word_name"),
    (VICTIMS[6], ["La condena del tratante no fue ningún consuelo para ella."], "common_word_name"),
    (VICTIMS[7], ["Las trasladaban de noche en un Mercedes negro."], "common_word_name"),
    (VICTIMS[8], ["Su testimonio es el pilar de la acusación."], "common_word_name"),
    (
        VICTIMS[9],
        ["La defensa anunció un recurso de amparo ante el Tribunal Constitucional."],
        "common_word_name",
    ),
    (
        VICTIMS[10],
        ["Caminaban de madrugada, con el rocío todavía sobre los campos."],
        "common_word_name",
    ),
    (
        VICTIMS[15],
        ["Le prometieron que con el sueldo de Madrid haría milagros por su familia."],
        "common_word_name",
    ),
    (
        VICTIMS[16],
        ["La sentencia fue una victoria para las asociaciones de apoyo."],
        "common_word_name",
    ),
    (VICTIMS[17], ["Las trasladaban en una furgoneta blanca sin rotular."], "common_word_name"),
    (
        VICTIMS[11],
        ["Cruz Roja le proporcionó alojamiento durante las primeras semanas."],
        "place_shares_name_token",
    ),
    (
        VICTIMS[20],
        ["Vivían en una chabola a la vera de la carretera de Andalucía."],
        "common_word_name",
    ),
]

NARRATIVE = [
    "Fue captada en Pereira en {year} con una falsa oferta de trabajo como camarera.",
    "Viajó a Madrid en el vuelo {flight}, que aterrizó en Barajas el {date}.",
    "Entre el {date} y el {date} permaneció en un piso de Usera, obligada a pagar una deuda de "
    "{amount}.",
    "Los agentes de la UCRIF realizaron la entrada en el club el {date} a las {time}.",
    "El procedimiento se sigue en el Juzgado de Instrucción n.º 3 de Alcalá de Henares, {case}.",
    "La investigada {S} está acusada de un delito del {art}.",
    "La investigación patrimonial detectó envíos de {amount} y de {amount} a Colombia.",
    "El vehículo con matrícula {plate} se usaba para llevar a las mujeres al club.",
    "Según su declaración, el {pct} de lo que ganaba se lo quedaba la encargada.",
    "Se le informó de que podía llamar al {hotline} en cualquier momento.",
    "Rogamos citen la referencia {ref} en toda comunicación.",
    "El juzgado acordó la prisión provisional de los dos detenidos el {date}.",
    "La deuda crecía cada mes con las multas y en {year} ya superaba los {amount}.",
    "La Fiscalía General de la Nación abrió la noticia criminal {nuc} tras su regreso.",
    "La solicitud de asistencia judicial basada en el {art} se remitió el {date}.",
    "Las transferencias, por un total de {amount}, se hicieron entre el {date} y el {date}.",
    "Tenía diecisiete años cuando fue captada y hoy vive en un recurso de acogida.",
    "El {date} hacia las {time} las mujeres fueron trasladadas a otro piso en Torrejón.",
    "El juicio oral está señalado para el {date} ante la Audiencia Provincial.",
    "Se le concedió el periodo de restablecimiento y reflexión previsto en el {art}.",
    "El club, situado en la carretera N-II, funcionaba las veinticuatro horas.",
]

IDENTIFIER: list[tuple[str, tuple[str, ...]]] = [
    ("La víctima, {V}, fue identificada durante la inspección del {date}.", ()),
    (
        "La Sra. {f}, nacida el {dobw} en Pereira, declara haber llegado a España en {year}.",
        ("name_with_title",),
    ),
    ("Fecha de nacimiento: {dob}.", ()),
    ("Dice haber nacido el {dob}, según la copia de su registro civil.", ()),
    ("{V}, nacida el {dob} en Asunción, de nacionalidad paraguaya, prestó declaración.", ()),
    ("Se la puede localizar en el teléfono {tel} a través de la asociación.", ()),
    ("El captador la llamaba desde el número {Otel}.", ()),
    (
        "En una libreta que llevaba en el bolso solo aparecía escrito {Otel}.",
        ("phone_far_from_cue",),
    ),
    ("Su pasaporte n.º {pass} fue retenido por la encargada desde su llegada.", ()),
    (
        "El pasaporte con el que viajó ({passsplit}) se obtuvo con una partida de nacimiento "
        "falsa.",
        (),
    ),
    ("Documento de identidad: {nid}.", ()),
    ("Le ingresaban el dinero en su cuenta {iban}.", ()),
    ("Las transferencias iban a la cuenta {Oiban}, a nombre del hermano del investigado.", ()),
    ("Usaba el correo {mail} para escribir a su madre.", ()),
    ("La oferta de trabajo llegó desde la dirección {Omail}.", ()),
    ("Residía en {addr} hasta que fue rescatada.", ()),
    (
        "Su hermana menor, nacida el {Odob}, sigue en Colombia y podría estar en riesgo.",
        ("dob_other_person",),
    ),
    ("En su declaración, {g} explicó que temía represalias contra su familia.", ()),
    ("Se tomó declaración a Doña {V} con intérprete el {date}.", ("name_with_title",)),
    ("Se adjunta la declaración de {V} (F. nac. {dob}).", ()),
    ("El número de su madre es el {Otel}; ha recibido amenazas.", ()),
    ("No llamar directamente a la víctima al número {tel}.", ()),
    ("En el coche se hallaron billetes de avión a nombre de {f} {g}.", ()),
    ("{V} fue derivada a la red de protección el {date}.", ()),
    ("La encargada, cuyo pasaporte {Opass} se intervino en Barajas, niega los hechos.", ()),
    ("Otra joven, nacida el {Odobw}, aún no ha sido identificada.", ("dob_other_person",)),
    ("Facilitó el número del conductor, {Otel}, al que llamaba cada noche.", ()),
    ("Su fecha de nacimiento declarada, el {dobw}, no coincide con la del pasaporte.", ()),
    ("Nos dio otro número de móvil, el {tel}, que no debe difundirse.", ()),
    ("Su madre vive en {Oaddr}, donde recibió las amenazas.", ()),
    ("Entre los números que usaba el captador figura el {Otel}.", ("phone_inflected_cue",)),
    ("El piso estaba alquilado por un hombre con documento {Onid}.", ()),
]


def _case(rng: random.Random) -> tuple[str, str]:
    y = rng.randint(2023, 2026)
    dane = rng.choice(("11001", "05001", "76001", "66001", "08001"))
    return rng.choice(
        (
            f"Diligencias previas {rng.randint(1, 2400)}/{y}",
            f"DP {rng.randint(1, 2400)}/{y}",
            f"Procedimiento abreviado {rng.randint(1, 300)}/{y}",
            f"NIG {dane[:2]}0{digits(rng, 2)}43{rng.randint(1, 2)}{y}{digits(rng, 7)}",
            f"Sumario {rng.randint(1, 30)}/{y}",
        )
    ), "case_number"


def _amount(rng: random.Random) -> tuple[str, str]:
    n = rng.choice((rng.randint(2, 90) * 500, rng.randint(1, 60) * 25000))
    return rng.choice(
        (
            f"{n:,} euros".replace(",", "."),
            f"{n * 1000:,} pesos".replace(",", "."),
            f"COP {n * 1000:,}".replace(",", "."),
            f"{n:,} €".replace(",", "."),
            f"{n:,} dólares".replace(",", "."),
        )
    ), "amount"


def _nuc(rng: random.Random) -> tuple[str, str]:
    dane = rng.choice(("11001", "05001", "76001", "66001", "08001"))
    return f"{dane}6000{digits(rng, 3)}{rng.randint(2023, 2026)}{digits(rng, 5)}", "case_number"


LOOKALIKES = {
    "nuc": _nuc,
    "date": incident("es"),
    "year": year,
    "pct": percentage,
    "time": clock,
    "flight": flight,
    "case": _case,
    "amount": _amount,
    "plate": lambda rng: (
        rng.choice(
            (
                f"{digits(rng, 4)} {letters(rng, 3, 'BCDFGHJKLMNPRSTVWXYZ')}",
                f"{letters(rng, 3)} {digits(rng, 3)}",
            )
        ),
        "vehicle_plate",
    ),
    "ref": lambda rng: (
        rng.choice(
            (
                f"OEI {rng.randint(2024, 2026)}/{rng.randint(1, 999):04d}",
                f"CRI/{rng.randint(2024, 2026)}/{digits(rng, 5)}",
                f"UCRIF-{digits(rng, 3)}/{rng.randint(24, 26)}",
            )
        ),
        "reference",
    ),
    "art": pick(
        "article_number",
        "artículo 177 bis del Código Penal",
        "artículo 188A del Código Penal colombiano",
        "artículo 59 bis de la Ley Orgánica 4/2000",
        "artículo 18 de la Convención de Palermo",
        "artículo 318 bis del Código Penal",
    ),
    "hotline": pick("hotline_short", "016", "112", "091", "062"),
    "S": pick("suspect_name", "Marleny Giraldo", "Fabio Arango", "Liliana Cuartas", "Óscar Bedoya"),
}


def national_id(rng: random.Random, region: str, born: dt.date) -> str:
    if region == "ES":
        return identifiers.spanish_dni(rng)
    if rng.random() < 0.4:
        return identifiers.spanish_nie(rng)
    match region:
        case "CO":
            return f"1.{digits(rng, 3)}.{digits(rng, 3)}.{digits(rng, 3)}"
        case "VE":
            return f"V-{rng.randint(10, 30)}.{digits(rng, 3)}.{digits(rng, 3)}"
        case "DO":
            return f"{digits(rng, 3)}-{digits(rng, 7)}-{digits(rng, 1)}"
        case _:
            return f"{rng.randint(1, 9)}.{digits(rng, 3)}.{digits(rng, 3)}"


def email(rng: random.Random, given: str, family: str, spellings: list[str]) -> str:
    return email_address(rng, given, family, ("gmail.com", "hotmail.com", "yahoo.es", "outlook.es"))


def bank_account(rng: random.Random, region: str) -> str:
    return identifiers.iban(rng, rng.choice(("ES", "ES", "ES", "PT", "IT")))


def address(rng: random.Random) -> str:
    return rng.choice(
        (
            f"Calle de la Montera {rng.randint(2, 60)}, 3.º izq., 28013 Madrid",
            f"Avenida de la Constitución {rng.randint(2, 90)}, Sevilla",
            f"Carrera {rng.randint(7, 80)} # {rng.randint(10, 99)}-{rng.randint(10, 99)}, Bogotá",
            f"Calle {rng.randint(10, 90)} # {rng.randint(10, 99)}-{rng.randint(10, 99)}, Medellín",
            f"Calle Marqués de Vadillo {rng.randint(2, 40)}, 2.º B, Madrid",
        )
    )


def full_name(rng: random.Random, given: str, family: str) -> str:
    return rng.choice(
        (f"{given} {family}", f"{given} {family.upper()}", f"{family.upper()}, {given}")
    )
