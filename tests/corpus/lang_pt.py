"""Portuguese templates: Brazilian and Portuguese referrals, victims from Brazil, Angola
and Cabo Verde (invented people)."""

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

CODE = "pt"
SENDERS = ("BR", "BR", "PT", "PT")
JOINERS = (" ", " ", " ", "\n")

VICTIMS = [
    ("Maria da Graça", "Tavares", "AO"),
    ("Vitória", "Nascimento", "BR"),
    ("Luz", "Cardoso", "BR"),
    ("Glória", "Ferreira", "BR"),
    ("Maria do Socorro", "Lima", "BR"),
    ("Maria das Dores", "Silva", "BR"),
    ("Fátima", "Rodrigues", "PT"),
    ("Esperança", "Domingos", "AO"),
    ("Aparecida", "Moura", "BR"),
    ("Rosa", "Mbande", "AO"),
    ("Joana", "Santos", "BR"),
    ("Vitória", "da Costa", "AO"),
    ("Graça", "Mendes", "CV"),
    ("Jéssica", "Oliveira", "BR"),
    ("Luana", "Batista", "BR"),
    ("Francisca", "Moreira", "BR"),
    ("Lurdes", "Semedo", "CV"),
    ("Keila", "Nunes", "BR"),
    ("Tânia", "Fortes", "CV"),
    ("Juliana", "Araújo", "BR"),
]
OTHERS = [
    ("Cleiton", "Souza", "BR"),
    ("Edivaldo", "Pinto", "BR"),
    ("Marta", "Gonçalves", "PT"),
    ("Rui", "Monteiro", "PT"),
    ("Adilson", "Lopes", "CV"),
    ("Bento", "Kiala", "AO"),
]

NAME_LOOKALIKES = [
    (
        VICTIMS[12],
        [
            "Trabalhou de graça durante meses para pagar a dívida.",
            "Os aliciadores ofereciam a viagem de graça.",
        ],
        "common_word_name",
    ),
    (VICTIMS[0], ["Nunca recebia salário: trabalhava de graça."], "common_word_name"),
    (
        VICTIMS[1],
        [
            "A condenação foi uma vitória para as organizações de apoio.",
            "Foi levada para Vitória, no Espírito Santo, em {year}.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[2],
        [
            "A casa não tinha luz nem água corrente.",
            "A conta da luz estava em nome do arguido.",
        ],
        "common_word_name",
    ),
    (
        VICTIMS[3],
        ["Foi vista pela última vez no bairro da Glória, no Rio de Janeiro."],
        "place_shares_name_token",
    ),
    (
        VICTIMS[4],
        [
            "Pediu socorro a um vizinho pela janela da cozinha.",
            "Foi levada ao pronto-socorro com ferimentos no braço.",
        ],
        "common_word_name",
    ),
    (VICTIMS[5], ["Queixa-se de dores nas costas desde que saiu da casa."], "common_word_name"),
    (VICTIMS[6], ["Passou por Fátima antes de chegar a Lisboa."], "place_shares_name_token"),
    (VICTIMS[7], ["Perdeu a esperança de recuperar o passaporte."], "common_word_name"),
    (
        VICTIMS[8],
        ["A família mora perto de Aparecida, no interior de São Paulo."],
        "place_shares_name_token",
    ),
    (VICTIMS[9], ["Usava uma blusa cor-de-rosa no dia da operação."], "common_word_name"),
    (
        VICTIMS[10],
        ["O contentor saiu do porto de Santos no dia {date}."],
        "place_shares_name_token",
    ),
    (VICTIMS[11], ["Trabalhou num restaurante da Costa da Caparica."], "place_shares_name_token"),
]

NARRATIVE = [
    "Foi aliciada em Goiânia em {year} com uma falsa proposta de trabalho num salão de beleza.",
    "Embarcou no voo {flight} e chegou a Lisboa em {date}.",
    "Entre {date} e {date} ficou num apartamento na Amadora, obrigada a pagar uma dívida de "
    "{amount}.",
    "A Polícia Judiciária fez buscas no apartamento em {date}, às {time}.",
    "O inquérito corre termos no DIAP de Lisboa com o NUIPC {nuipc}.",
    "A arguida {S} responde pelo crime previsto no {art}.",
    "A investigação financeira detetou transferências de {amount} e de {amount} para o Brasil.",
    "O veículo de matrícula {plate} servia para levar as mulheres à casa.",
    "Segundo o seu depoimento, {pct} do que ganhava ficava com a dona da casa.",
    "Foi informada de que podia ligar para o {hotline} a qualquer momento.",
    "Solicitamos que indiquem a referência {ref} em toda a correspondência.",
    "O juiz de instrução decretou a prisão preventiva dos dois arguidos em {date}.",
    "A dívida aumentava todos os meses com multas e em {year} já passava de {amount}.",
    "A Polícia Federal instaurou o {ipl} após o seu regresso.",
    "O pedido de cooperação jurídica com base no {art} foi enviado em {date}.",
    "As remessas, num total de {amount}, foram feitas entre {date} e {date}.",
    "Tinha dezassete anos quando foi aliciada e vive hoje numa casa de acolhimento.",
    "No dia {date}, por volta das {time}, as mulheres foram levadas para outra casa em Sintra.",
    "A audiência está marcada para {date} na 1.ª Vara Criminal.",
    "A ação penal tramita sob o n.º {cnj} na Justiça Federal.",
    "Foi-lhe concedido o período de reflexão previsto no {art}.",
]

IDENTIFIER: list[tuple[str, tuple[str, ...]]] = [
    ("A vítima, {V}, foi identificada durante a operação de {date}.", ()),
    (
        "A Sra. {f}, nascida em {dobw} em Goiânia, declarou ter chegado a Portugal em {year}.",
        ("name_with_title",),
    ),
    ("Data de nascimento: {dob}.", ()),
    ("Diz ter nascido a {dobw}, conforme a certidão de nascimento.", ()),
    ("{V}, nascida em {dob}, natural de Luanda, prestou declarações.", ()),
    ("Pode ser contactada pelo telemóvel {tel} através da associação.", ()),
    ("O aliciador ligava-lhe do número {Otel}.", ()),
    ("Num caderno que trazia na mala estava apenas escrito {Otel}.", ("phone_far_from_cue",)),
    ("O seu passaporte n.º {pass} ficou retido pela dona da casa.", ()),
    ("O passaporte com que viajou ({passsplit}) foi obtido com uma certidão falsa.", ()),
    ("Documento de identificação: {nid}.", ()),
    ("O dinheiro era depositado na conta dela, {iban}.", ()),
    ("As transferências seguiam para a conta {Oiban}, em nome do irmão do arguido.", ()),
    ("Usava o e-mail {mail} para falar com a mãe.", ()),
    ("A proposta de trabalho chegou do endereço {Omail}.", ()),
    ("Morava na {addr} até ser resgatada.", ()),
    (
        "A irmã mais nova, nascida em {Odob}, continua no Brasil e pode estar em risco.",
        ("dob_other_person",),
    ),
    ("No depoimento, {g} disse temer represálias contra a família.", ()),
    ("Foi ouvida a Sra. {V}, com intérprete, em {date}.", ("name_with_title",)),
    ("Segue em anexo o termo de declarações de {V} (D.N. {dob}).", ()),
    ("O número da mãe é o {Otel}; tem recebido ameaças.", ()),
    ("Não contactar a vítima diretamente pelo número {tel}.", ()),
    ("No carro foram encontrados bilhetes de avião em nome de {f}, {g}.", ()),
    ("{V} foi encaminhada para a rede de apoio em {date}.", ()),
    ("A dona da casa, cujo passaporte {Opass} foi apreendido no aeroporto, nega os factos.", ()),
    ("Outra jovem, nascida a {Odobw}, ainda não foi identificada.", ("dob_other_person",)),
    ("Deu o número do motorista, {Otel}, para quem ligava todas as noites.", ()),
    ("A data de nascimento declarada, {dobw}, não coincide com a do passaporte.", ()),
    ("Indicou outro número de celular, o {tel}, que não deve ser divulgado.", ()),
    ("A mãe mora na {Oaddr}, onde recebeu as ameaças.", ()),
    ("Entre os números de telefone apreendidos estava o {Otel}.", ("phone_inflected_cue",)),
    ("O apartamento estava arrendado por um homem com o documento {Onid}.", ()),
]


def _cnj(rng: random.Random, y: int) -> str:
    """A CNJ number with its ISO 7064 mod 97-10 check digits."""
    seq, justice, court, origin = (
        digits(rng, 7),
        rng.choice("48"),
        rng.choice(("26", "19", "13", "03")),
        digits(rng, 4),
    )
    check = 98 - int(f"{seq}{y}{justice}{court}{origin}00") % 97
    return f"{seq}-{check:02d}.{y}.{justice}.{court}.{origin}"


def _case(rng: random.Random) -> tuple[str, str]:
    y = rng.randint(2023, 2026)
    return rng.choice(
        (
            _cnj(rng, y),
            _cnj(rng, y),
            f"{rng.randint(1, 2000)}/{y % 100}.{rng.randint(0, 9)}"
            f"{rng.choice(('JAPRT', 'PBLSB', 'T9LSB', 'JDLSB'))}",
            f"IPL {y}.{digits(rng, 7)}-SR/PF/SP",
            f"n.º {rng.randint(1, 2000)}/{y % 100}.{rng.randint(0, 9)}T9LSB",
        )
    ), "case_number"


def _amount(rng: random.Random) -> tuple[str, str]:
    n = rng.choice((rng.randint(2, 90) * 500, rng.randint(1, 60) * 25000))
    return rng.choice(
        (
            f"R$ {n:,}".replace(",", ".") + ",00",
            f"{n:,} euros".replace(",", " "),
            f"{n * 400:,} kwanzas".replace(",", " "),
            f"{n:,} €".replace(",", "."),
        )
    ), "amount"


LOOKALIKES = {
    "cnj": lambda rng: (_cnj(rng, rng.randint(2023, 2026)), "case_number"),
    "nuipc": lambda rng: (
        f"{rng.randint(1, 2000)}/{rng.randint(23, 26)}.{rng.randint(0, 9)}"
        f"{rng.choice(('JAPRT', 'PBLSB', 'T9LSB', 'JDLSB'))}",
        "case_number",
    ),
    "ipl": lambda rng: (f"IPL {rng.randint(2023, 2026)}.{digits(rng, 7)}-SR/PF/SP", "case_number"),
    "date": incident("pt"),
    "year": year,
    "pct": percentage,
    "time": clock,
    "flight": flight,
    "case": _case,
    "amount": _amount,
    "plate": lambda rng: (
        rng.choice(
            (
                f"{letters(rng, 3)}{digits(rng, 1)}{letters(rng, 1)}{digits(rng, 2)}",
                f"{letters(rng, 2)}-{digits(rng, 2)}-{letters(rng, 2)}",
            )
        ),
        "vehicle_plate",
    ),
    "ref": lambda rng: (
        rng.choice(
            (
                f"DRCI n.º {rng.randint(2024, 2026)}-{digits(rng, 5)}",
                f"MLA/{rng.randint(2024, 2026)}/{rng.randint(1, 999):04d}",
                f"UNCT/{digits(rng, 3)}/{rng.randint(24, 26)}",
            )
        ),
        "reference",
    ),
    "art": pick(
        "article_number",
        "artigo 149-A do Código Penal",
        "artigo 160.º do Código Penal",
        "artigo 18 da Convenção de Palermo",
        "artigo 109.º da Lei n.º 23/2007",
        "artigo 13 da Lei n.º 13.344/2016",
    ),
    "hotline": pick("hotline_short", "Disque 100", "Ligue 180", "112", "190"),
    "S": pick(
        "suspect_name", "Rosângela Teixeira", "Valdir Campos", "Sónia Matias", "Wellington Prado"
    ),
}


def national_id(rng: random.Random, region: str, born: dt.date) -> str:
    match region:
        case "BR":
            return identifiers.brazilian_cpf(rng)
        case "PT" | "CV":
            return identifiers.portuguese_cc(rng)
        case _:
            return f"{digits(rng, 9)}{letters(rng, 2)}{digits(rng, 3)}"


def email(rng: random.Random, given: str, family: str, spellings: list[str]) -> str:
    return email_address(
        rng,
        given.rsplit(maxsplit=1)[-1],
        family,
        ("gmail.com", "hotmail.com", "sapo.pt", "uol.com.br"),
    )


def bank_account(rng: random.Random, region: str) -> str:
    return identifiers.iban(rng, rng.choice(("PT", "PT", "BR", "ES")))


def address(rng: random.Random) -> str:
    return rng.choice(
        (
            f"Rua Augusta {rng.randint(2, 200)}, 2.º Esq., 1100-053 Lisboa",
            f"Rua Voluntários da Pátria {rng.randint(2, 400)}, apto {rng.randint(101, 909)}, "
            "Rio de Janeiro",
            f"Avenida Paulista {rng.randint(100, 2000)}, ap. {rng.randint(11, 99)}, São Paulo",
            f"Rua de Santa Catarina {rng.randint(2, 400)}, Porto",
            f"Rua T-{rng.randint(20, 60)} n.º {rng.randint(10, 900)}, Setor Bueno, Goiânia",
        )
    )


def full_name(rng: random.Random, given: str, family: str) -> str:
    return rng.choice((f"{given} {family}", f"{given} {family.upper()}", f"{given} {family}"))
