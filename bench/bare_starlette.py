"""The framework's ceiling on this machine: a bare Starlette endpoint returning a small JSON
body, served by the same Uvicorn settings as Sharewell (see http_bench.py)."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "service": "bare-starlette"})


app = Starlette(routes=[Route("/", hello)])
