"""Portuguese: boletins de ocorrência, fichas de acolhimento, pedidos do Ministério
Público, cartas rogatórias (Brasil, Portugal, Angola, Moçambique). Tudo inventado."""

from __future__ import annotations

import random

from tests.corpus import identifiers as ids

from .draw import digits, letters

CODE = "pt"
SENDER = "PT"
JOIN = " "
PCT = "%"
THOUSANDS = "."
TIME = "{h:02d}h{m:02d}"
THIRD_COUNTRIES = ("ES", "FR", "GB", "CH")
IBAN_COUNTRIES = ("PT", "BR", "ES", "FR")
EMAIL_USERS = ("kellysilva", "jessica.ba", "vagas.europa", "tati", "morena")
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "sapo.pt", "uol.com.br")
INSTITUTION_PHONES = ("800 202 148", "0800 61 1995", "808 257 257")


def national_id(rng: random.Random) -> str:
    return ids.brazilian_cpf(rng) if rng.random() < 0.5 else ids.portuguese_cc(rng)


def case_number(rng: random.Random) -> str:
    year = rng.choice((2024, 2025, 2026))
    return rng.choice(
        (
            f"processo n.º {digits(rng, 7)}-{digits(rng, 2)}.{year}.8.26.{digits(rng, 4)}",
            f"NUIPC {rng.randint(10, 999)}/{year % 100}.{rng.randint(1, 9)}{letters(rng, 5)}",
            f"inquérito {year}.{digits(rng, 7)}",
            f"autos n.º {digits(rng, 20)}",
            f"processo {digits(rng, 4)}/{year % 100}.{digits(rng, 1)}T9{letters(rng, 4)}",
        )
    )


def reference(rng: random.Random) -> str:
    return rng.choice((f"OTSH/{digits(rng, 4)}/2026", f"DCIAP-2025-{digits(rng, 4)}"))


def amount(rng: random.Random) -> str:
    return rng.choice(
        (
            f"R$ {rng.randint(2, 90)}.{digits(rng, 3)},00",
            f"{rng.randint(300, 9000)} euros",
            f"{rng.randint(10, 99)}.000 kwanzas",
            f"{rng.randint(500, 5000)} €",
        )
    )


def article(rng: random.Random) -> str:
    return rng.choice(
        ("o artigo 160.º do Código Penal", "o art. 149-A do Código Penal", "a Lei n.º 13.344/2016")
    )


def flight(rng: random.Random) -> str:
    return rng.choice(("TP 88", "LA 8084", "DT 650", "AD 8754"))


def plate(rng: random.Random) -> str:
    return rng.choice(
        (
            f"{digits(rng, 2)}-{letters(rng, 2)}-{digits(rng, 2)}",
            f"{letters(rng, 3)}{digits(rng, 1)}{letters(rng, 1)}{digits(rng, 2)}",
        )
    )


def postcode(rng: random.Random) -> str:
    return rng.choice(
        ("4000-322 Porto", "1100-148 Lisboa", "01310-100 São Paulo", "2900-045 Setúbal")
    )


def suspect(rng: random.Random) -> str:
    return rng.choice(("Rogério Paiva", "Wesley Cardoso", "Nuno Falcão", "Cláudio Reboredo"))


def hotline(rng: random.Random) -> str:
    return rng.choice(("o 112", "o Disque 100", "o 116 111", "o Ligue 180"))


ADDRESSES = [
    "Rua das Flores 118, 3.º direito, Porto",
    "Avenida Almirante Reis 201, Lisboa",
    "Rua Augusta 740, São Paulo",
]

VICTIMS = [
    {
        "names": ["Conceição Bezerra"],
        "given": "Conceição",
        "family": "Bezerra",
        "region": "BR",
        "lookalikes": [
            "A conceição do plano de proteção levou duas semanas.",
            "A Imaculada Conceição é feriado nacional, por isso o tribunal estava fechado.",
        ],
    },
    {
        "names": ["Jéssica Andrade"],
        "given": "Jéssica",
        "family": "Andrade",
        "region": "BR",
        "address": "Rua Voluntários da Pátria 341, Salvador",
    },
    {
        "names": ["Aparecida Nogueira"],
        "family_names": ["Nogueira"],
        "given": "Aparecida",
        "family": "Nogueira",
        "region": "BR",
        "lookalike_class": "place_shares_name_token",
        "lookalikes": [
            "O aliciador vivia em Aparecida de Goiânia.",
            "Nossa Senhora Aparecida é padroeira do Brasil e o feriado atrasou a diligência.",
        ],
    },
    {
        "names": ["Esperança Domingos"],
        "given": "Esperança",
        "family": "Domingos",
        "region": "AO",
        "lookalikes": [
            "A esperança da equipa é concluir a perícia até ao fim do mês.",
            "Perdeu a esperança de voltar a estudar.",
        ],
    },
    {
        "names": ["Luana Ferreira da Costa"],
        "family_names": ["Ferreira da Costa"],
        "given": "Luana",
        "family": "Ferreira",
        "region": "BR",
    },
    {
        "names": ["Glória Muianga"],
        "given": "Glória",
        "family": "Muianga",
        "region": "MZ",
        "lookalikes": [
            "Os aliciadores prometiam uma vida de glória na Europa.",
            "A igreja Nossa Senhora da Glória acolheu as jovens durante uma noite.",
        ],
    },
    {"names": ["Tainá Soares"], "given": "Tainá", "family": "Soares", "region": "BR"},
    {
        "names": ["Vitória Mendes"],
        "given": "Vitória",
        "family": "Mendes",
        "region": "BR",
        "lookalike_class": "place_shares_name_token",
        "lookalikes": [
            "O grupo operava a partir de Vitória da Conquista.",
            "A condenação foi uma vitória para as associações de apoio.",
        ],
    },
]

CLEAN = [
    "A audiência de julgamento está marcada para {IDATE} às {TIME} ({CASE}).",
    "No período {YEAR} a equipa acompanhou {COUNT} pessoas, {PCT} delas menores.",
    "Foram detetadas transferências num total de {AMT} por casas de câmbio.",
    "O arguido {SUSPECT} viajou no voo {FLIGHT} a {IDATE}.",
    "O navio ({IMO}) foi inspecionado no porto de Sines sem resultados.",
    "A viatura de matrícula {PLATE} foi apreendida após a busca.",
    "Os factos integram o crime previsto n{ART}.",
    "Tinha {AGE} anos quando foi levada para um apartamento em {POST}.",
    "A linha gratuita da associação, {INST}, funciona 24 horas por dia.",
    "Agradecemos que indiquem a nossa referência {REF} na resposta.",
    "Em caso de urgência devem ligar para {HOTLINE}.",
    "O aliciador, {SUSPECT}, prometia emprego num restaurante por {AMT} por mês.",
    "Em {IDATE} foram ouvidas {AGE} testemunhas no âmbito do {CASE}.",
    "A casa de abrigo fecha às {TIME} e fica sempre uma técnica de serviço.",
    "Junta-se a documentação a folhas 23 a 61 dos autos.",
]

IDENTIFIER = [
    "A vítima, {V}, nascida em {DOB}, foi encaminhada para uma casa de abrigo.",
    "A Sra. {VGIV} declara que lhe exigiam uma dívida de {AMT}.",
    "O seu passaporte n.º {PASS} estava na posse do dono do bar.",
    "O explorador ligava-lhe do número {PHO}.",
    "Foi aliciada pelo WhatsApp a partir do {PHX}.",
    "O telemóvel dela ({PHV}) está desligado desde a detenção.",
    "Os rendimentos eram depositados na conta {IBAN}.",
    "Os anúncios eram publicados a partir do e-mail {EMAIL}.",
    "Antes do resgate morava na {ADDR}.",
    "A irmã, nascida em {ODOB}, continuaria em Salvador.",
    "A testemunha {VFAM} não quer que a família seja informada.",
    "Apresentou o documento de identificação {NID}.",
    "O passaporte do gerente, {OPASS}, foi apreendido.",
    "{VUP} foi identificada durante a fiscalização de {IDATE}.",
    "Voltou a ouvir-se {V} com intérprete.",
    "Dados: {V}; data de nascimento {DOB}; telefone {PHV}.",
    "Outra jovem, com o telemóvel {PHO}, recusou apresentar queixa.",
    "Solicita-se que verifiquem se {VFAM} consta das vossas bases de dados.",
    "O CPF da proprietária do imóvel, {ONID}, consta do contrato.",
    "Segundo a técnica, {V} voltou a falar com a mãe.",
]

LIMITS = [
    ("Usava o perfil [[social_handle:victim|@jessy.ssa]] no Instagram.", "limit_social_handle"),
    (
        "O e-mail dela: [[email:victim|jessica ponto andrade arroba gmail ponto com]].",
        "limit_email_obfuscated",
    ),
    (
        "O aliciador morava na [[address:other|Travessa do Carvalho 12, 2.º esq., Amadora]].",
        "limit_other_address",
    ),
    ("Apresentou o RG [[document:victim|23.774.918-4]] emitido na Bahia.", "limit_rg_after_rg"),
    (
        "Recebia na conta corrente [[bank_account:victim|0047912-3]] da agência 1289.",
        "limit_domestic_account",
    ),
]
