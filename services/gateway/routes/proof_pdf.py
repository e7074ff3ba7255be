"""The volunteer service proof (志愿服务证明) as a PDF: the same rule, the same data path and
the same record of the issued number as the printable page (routes/records.py)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from services.gateway.proof_pdf import render_proof_pdf
from services.gateway.reveal import NO_STORE
from services.gateway.routes.members import attachment
from services.gateway.routes.records import MEMBER, issue_proof, proof_rule
from shared.contracts.commands import registry as commands

router = APIRouter(tags=["service records"])


@router.get(
    MEMBER + "/proof.pdf",
    summary="The volunteer service proof (志愿服务证明) as a PDF (A4, Chinese fonts)",
    description="Each call issues a new proof number; the handler is the caller.",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the proof"}},
    **proof_rule(),
)
async def get_proof_pdf(
    member_id: str, query: Annotated[commands.GetProofBody, Query()], request: Request
) -> Response:
    proof = await issue_proof(member_id, query, request)
    pdf = await run_in_threadpool(render_proof_pdf, proof)
    name = f"志愿服务证明-{proof.get('proof_no') or member_id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Cache-Control": NO_STORE,
            "Content-Disposition": attachment(name),
        },
    )
