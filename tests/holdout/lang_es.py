"""Spanish: atestados policiales, fichas de entidades de acogida, escritos de la
fiscalía, comisiones rogatorias (España, Colombia, Paraguay, Venezuela). Todo inventado."""

from __future__ import annotations

import random

from tests.corpus import identifiers as ids

from .draw import digits, letters

CODE = "es"
SENDER = "ES"
JOIN = " "
PCT = " %"
THOUSANDS = "."
TIME = "{h:02d}:{m:02d} horas"
THIRD_COUNTRIES = ("FR", "PT", "IT", "AR")
IBAN_COUNTRIES = ("ES", "PT", "FR", "IT")
EMAIL_USERS = ("yuli.paz", "lamorena", "trabajo.europa", "karina", "dulce")
EMAIL_DOMAINS = ("gmail.com", "hotmail.es", "yahoo.com.co", "outlook.es")
INSTITUTION_PHONES = ("900 105 090", "900 10 50 90", "016")


def national_id(rng: random.Random) -> str:
    return ids.spanish_nie(rng) if rng.random() < 0.6 else ids.spanish_dni(rng)


def case_number(rng: random.Random) -> str:
    year = rng.choice((2024, 2025, 2026))
    return rng.choice(
        (
            f"Diligencias Previas {rng.randint(10, 4999)}/{year}",
            f"NIG {digits(rng, 5)}{digits(rng, 2)}{digits(rng, 1)}{year}{digits(rng, 7)}",
            f"Sumario {rng.randint(1, 40)}/{year}",
            f"atestado número {digits(rng, 5)}/{year % 100}",
            f"noticia criminal {digits(rng, 21)}",
            f"expediente {year}-{digits(rng, 6)}",
        )
    )


def reference(rng: random.Random) -> str:
    return rng.choice((f"CR-{digits(rng, 3)}/2026", f"UCRIF/{digits(rng, 4)}/25"))


def amount(rng: random.Random) -> str:
    return rng.choice(
        (
            f"{rng.randint(2, 90)}.{digits(rng, 3)} euros",
            f"{rng.randint(200, 990)}.000 pesos",
            f"{rng.randint(300, 9000)} €",
            f"USD {rng.randint(1000, 9000)}",
        )
    )


def article(rng: random.Random) -> str:
    return rng.choice(
        (
            "el artículo 177 bis del Código Penal",
            "los artículos 187 y 188 del Código Penal",
            "la Ley 985 de 2005",
        )
    )


def flight(rng: random.Random) -> str:
    return rng.choice(("IB 6584", "AV 010", "UX 1092", "LA 1446"))


def plate(rng: random.Random) -> str:
    return f"{digits(rng, 4)} {letters(rng, 3).replace('A', 'B').replace('E', 'F')}"


def postcode(rng: random.Random) -> str:
    return rng.choice(("28045 Madrid", "08001 Barcelona", "41009 Sevilla", "46013 Valencia"))


def suspect(rng: random.Random) -> str:
    return rng.choice(("Andrés Villalobos", "Julián Restrepo", "Marcos Peñalver", "Fabián Ruiz"))


def hotline(rng: random.Random) -> str:
    return rng.choice(("112", "091", "016"))


ADDRESSES = [
    "calle del Olivar 14, 2.º izquierda, Madrid",
    "avenida de la Constitución 88, Alcorcón",
    "Carrera 70 # 44-21, Medellín",
]

VICTIMS = [
    {
        "names": ["Dolores Quintero"],
        "given": "Dolores",
        "family": "Quintero",
        "region": "CO",
        "lookalikes": [
            "Refería fuertes dolores de cabeza desde su llegada.",
            "Los dolores de espalda le impedían trabajar de pie.",
        ],
    },
    {
        "names": ["Milagros Benítez"],
        "family_names": ["Benítez"],
        "given": "Milagros",
        "family": "Benítez",
        "region": "PY",
        "lookalikes": [
            "La trabajadora social dice que hizo milagros con el presupuesto.",
            "No esperamos milagros de la comisión rogatoria.",
        ],
    },
    {
        "names": ["Yulieth Cárdenas"],
        "given": "Yulieth",
        "family": "Cárdenas",
        "region": "CO",
        "address": "Calle 45 Sur # 12-30, Bogotá",
    },
    {
        "names": ["Luz Marina Ocampo"],
        "given": "Marina",
        "family": "Ocampo",
        "region": "CO",
        "lookalikes": [
            "Por la noche no había luz en la nave.",
            "La marina mercante colaboró en la inspección del buque.",
        ],
    },
    {
        "names": ["Ángeles Sanabria"],
        "given": "Ángeles",
        "family": "Sanabria",
        "region": "PY",
        "lookalike_class": "place_shares_name_token",
        "lookalikes": [
            "El captador había vivido varios años en Los Ángeles.",
            "La red operaba desde Los Ángeles, en Chile.",
        ],
    },
    {"names": ["Génesis Parra"], "given": "Génesis", "family": "Parra", "region": "VE"},
    {
        "names": ["Rocío del Carmen Espinal"],
        "family_names": ["Espinal"],
        "given": "Rocío",
        "family": "Espinal",
        "region": "DO",
        "address": "Avenida Duarte 118, Santo Domingo",
    },
    {
        "names": ["Consuelo Arango"],
        "given": "Consuelo",
        "family": "Arango",
        "region": "CO",
        "lookalikes": [
            "Su único consuelo era hablar con su madre los domingos.",
            "El consuelo llegó con la regularización administrativa.",
        ],
    },
]

CLEAN = [
    "La vista está señalada para el {IDATE} a las {TIME} ({CASE}).",
    "En el periodo {YEAR} la unidad atendió a {COUNT} mujeres, un {PCT} de ellas menores.",
    "Se detectaron transferencias por un total de {AMT} a través de locutorios.",
    "El investigado {SUSPECT} viajó en el vuelo {FLIGHT} el {IDATE}.",
    "El buque ({IMO}) fue inspeccionado en el puerto de Algeciras sin hallazgos.",
    "El turismo matrícula {PLATE} quedó intervenido tras el registro.",
    "Los hechos podrían ser constitutivos de delito según {ART}.",
    "Tenía {AGE} años cuando la trasladaron a un piso de {POST}.",
    "La línea gratuita de la fundación, {INST}, atiende las 24 horas.",
    "Rogamos citen nuestra referencia {REF} en su respuesta.",
    "En caso de urgencia deben llamar al {HOTLINE}.",
    "El captador, {SUSPECT}, ofrecía trabajo de camarera por {AMT} al mes.",
    "El {IDATE} se tomó declaración a {AGE} testigos en el marco de {CASE}.",
    "El centro de acogida cierra a las {TIME} y siempre queda una educadora.",
    "Se adjunta la documentación en los folios 12 a 48 de las actuaciones.",
]

IDENTIFIER = [
    "La víctima, {V}, nacida el {DOB}, fue derivada al recurso de acogida.",
    "La Sra. {VGIV} manifiesta que le exigían una deuda de {AMT}.",
    "Su pasaporte número {PASS} estaba en poder de la madame.",
    "El proxeneta la llamaba desde el {PHO}.",
    "La captaron por WhatsApp desde el número {PHX}.",
    "Su móvil ({PHV}) permanece apagado desde la detención.",
    "Las ganancias se ingresaban en la cuenta {IBAN}.",
    "Los anuncios se publicaban desde el correo {EMAIL}.",
    "Antes de la intervención residía en {ADDR}.",
    "Su hermana, nacida el {ODOB}, seguiría en Medellín.",
    "La testigo {VFAM} no desea que se informe a su familia.",
    "Aporta NIE {NID} expedido por la Comisaría de Extranjería.",
    "El pasaporte del encargado, {OPASS}, fue intervenido.",
    "{VUP} fue identificada durante la inspección del {IDATE}.",
    "Se volvió a entrevistar a {V} con intérprete.",
    "Datos: {V}; fecha de nacimiento {DOB}; teléfono {PHV}.",
    "Otra chica, con teléfono {PHO}, no quiso denunciar.",
    "Solicitamos que comprueben si {VFAM} consta en sus bases de datos.",
    "El DNI de la arrendadora, {ONID}, figura en el contrato.",
    "Según la educadora, {V} ha retomado el contacto con su hija.",
]

LIMITS = [
    (
        "Usaba el perfil [[social_handle:victim|@yuli_bogota98]] en Instagram.",
        "limit_social_handle",
    ),
    ("Su correo: [[email:victim|yuli arroba hotmail punto com]].", "limit_email_obfuscated"),
    (
        "El captador vivía en [[address:other|calle Almendro 7, 3.º B, Getafe]].",
        "limit_other_address",
    ),
    (
        "Cobraba en la cuenta Bancolombia de ahorros n.º [[bank_account:victim|20834719562]].",
        "limit_domestic_account",
    ),
    (
        "Dictó su número así: [[phone:victim|tres once, cuatro cuatro siete, dos nueve uno cero]].",
        "limit_in_words",
    ),
]
