"""The demo exchange `make run` plays once the broker is ready.

Three authorities, each through its own endpoint: NAPTIP (Nigeria) refers a case to
the DNA (Italy) with the victim's identity minimised; the DNA sends the UK Central
Authority an MLA request; the UK acknowledges it, executes it and answers with an MLA
response; receipts and broker notices close each link of the evidence chain. Every
step shows in the ops API's audit tail. Printed lines are the story, never content.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Callable, Mapping

from schemas.keys import AuthorityKeys
from schemas.kinds import (
    CaseReferral,
    ConductingAuthority,
    MlaLegalBasis,
    MlaRequest,
    MlaResponse,
    MlaStatus,
    Offence,
    RequestingAuthority,
)
from schemas.minimise import LinkageKey
from schemas.records import PersonIdentity, Suspect, Victim

from .attachments import download, upload
from .endpoint import Endpoint, Received

Say = Callable[[str], None]


async def _next_body(ep: Endpoint, kind: type[object], wait: float = 15.0) -> Received:
    """The next received message whose body is a `kind` (receipts and notices pass by)."""
    async with asyncio.timeout(wait):
        async for event in ep.events():
            if isinstance(event, Received) and isinstance(event.body, kind):
                return event
    raise TimeoutError


async def run_exchange(
    url: str, keys: Mapping[str, AuthorityKeys], root_public: bytes, say: Say = print
) -> None:
    """Play the demo exchange against the broker at `url` as the three authorities whose
    keys are in `keys` (`ng-naptip`, `it-dna`, `gb-ukca`), trusting `root_public`."""
    link = LinkageKey.generate()  # NG-IT bilateral linkage key, agreed out of band
    async with await Endpoint.connect(url, keys["ng-naptip"], root_public) as ng, \
            await Endpoint.connect(url, keys["it-dna"], root_public) as it, \
            await Endpoint.connect(url, keys["gb-ukca"], root_public) as gb:  # fmt: skip
        referral = await ng.send(
            CaseReferral(
                case_reference="NAPTIP/LAG/2026/0117",
                summary=(
                    "Victim V1 was recruited in Benin City with an offer of salon work in "
                    "Italy, moved through Agadez and Tripoli, and exploited in Castel "
                    "Volturno from May 2026. Suspect S1 organised the journey and debt."
                ),
                victims=[Victim(ref="V1", sex="female", nationality="NG",
                                exploitation=["sexual"], identified_in="2026-08",
                                identity=PersonIdentity(names=["Blessing Okafor"],
                                                        date_of_birth=dt.date(2007, 3, 12)))],
                suspects=[Suspect(ref="S1", names=["Osaro Idahosa"], nationality="NG",
                                  role="recruiter and transporter")],
                countries=["NG", "NE", "LY", "IT"],
            ),
            to=["it-dna"], handling="H2", linkage_key=link,
        )  # fmt: skip
        say("1. ng-naptip -> it-dna: case referral (victim minimised to pseudonyms, H2)")
        got = await _next_body(it, CaseReferral)
        say(f"   it-dna opened it: victim level {got.opened.binding.victim_level}, "
            f"audit position {got.audit_seq}")  # fmt: skip

        # The request carries evidence: a (synthetic) ledger of the debt payments, encrypted
        # with its own key into it-dna's evidence bucket before the message is sealed.
        ledger = io.BytesIO(b"date,amount_eur,channel\n" + b"2026-05-04,450,transfer\n" * 8000)
        evidence = await upload(
            it.js, "it-dna", ledger, file_name="debt-ledger.csv", media_type="text/csv",
            victim_level="none", description="payments recorded on the victim's debt",
        )  # fmt: skip
        request = await it.send(
            MlaRequest(
                requesting_authority=RequestingAuthority(
                    authority="it-dna", name="Direzione Nazionale Antimafia e Antiterrorismo"
                ),
                proceedings_type="investigation",
                subject_matter="Trafficking in persons for sexual exploitation",
                conducting_authority=ConductingAuthority(
                    name="Procura della Repubblica di Napoli", functions="public prosecutor"
                ),
                offences=[Offence(category="trafficking_in_persons",
                                  description="trafficking of a Nigerian woman into Italy",
                                  provision="Codice penale art. 601")],
                facts_summary=(
                    "A recruiter in Benin City arranged travel through Niger and Libya; "
                    "payments for the debt were sent from the United Kingdom."
                ),
                assistance_sought=["documents_and_records", "identifying_tracing_proceeds"],
                assistance_description="Bank records of the UK account used for the debt.",
                purpose="To trace the proceeds and identify the network's financiers.",
                legal_basis=MlaLegalBasis(basis="untoc_art18"),
                suspects=[Suspect(ref="S1", names=["Osaro Idahosa"], nationality="NG")],
                attachments=[evidence.descriptor],
            ),
            to=["gb-ukca"], linkage_key=link, attachments=[evidence.ref],
        )  # fmt: skip
        thread, request_id = request.binding.thread_id, request.binding.message_id
        size = evidence.descriptor.size
        say(f"2. it-dna -> gb-ukca: MLA request under UNTOC art. 18, with {size:,} bytes "
            "of evidence encrypted in it-dna's bucket")  # fmt: skip
        got_request = await _next_body(gb, MlaRequest)
        body = got_request.body
        if isinstance(body, MlaRequest) and body.attachments:
            copy = io.BytesIO()
            size = await download(gb.js, "it-dna", body.attachments[0],
                                  got_request.opened.binding.attachments[0], copy)  # fmt: skip
            say(f"   gb-ukca fetched and verified the evidence: {size:,} bytes")
        for status in ("acknowledged", "under_execution", "executed"):
            await gb.send(MlaStatus(request_id=request_id, status=status),
                          to=["it-dna"], thread_id=thread, in_reply_to=request_id)  # fmt: skip
            await _next_body(it, MlaStatus)
            say(f"3. gb-ukca -> it-dna: status {status}; it-dna's thread is now "
                f"{it.mla.status(thread)}")  # fmt: skip
        await gb.send(
            MlaResponse(request_id=request_id,
                        summary="Statements for the account for 2025-2026 are provided."),
            to=["it-dna"], thread_id=thread, in_reply_to=request_id,
        )  # fmt: skip
        await _next_body(it, MlaResponse)
        say("4. gb-ukca -> it-dna: MLA response")
        async for _ in it.events(idle_timeout=1.0):
            pass
        async for _ in gb.events(idle_timeout=1.0):
            pass
        async with asyncio.timeout(15):
            async for _ in ng.events():
                chain = ng.evidence.chain(referral.binding.message_id)
                if chain is not None and chain.complete:
                    break
        if chain is None or chain.accepted is None:
            raise RuntimeError("the referral's evidence chain did not complete")
        say(f"5. ng-naptip's evidence chain: accepted at audit position "
            f"{chain.accepted.audit_seq}, retrieval receipt signed by it-dna")  # fmt: skip
        checkpoint = await ng.refresh_checkpoint()
        say(f"6. audit log checkpoint verified: {checkpoint.size} events")
