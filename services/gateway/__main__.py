import sys

import uvicorn

from services.gateway.app import create_app
from services.gateway.cli import main as cli
from services.gateway.config import GatewaySettings
from shared.logging import configure_logging

if __name__ == "__main__":
    if sys.argv[1:2] == ["create-admin"]:
        sys.exit(cli(sys.argv[2:]))
    settings = GatewaySettings()
    configure_logging(settings.service, settings.subdistrict, settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=int(settings.graceful_timeout_s),
    )
