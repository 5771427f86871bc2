"""Run the simulated GL and CRM: `python -m examples.legacy_sim --port 8090 --unavailable 0.2`.

Point the gateway at it with GL_BASE_URL / CRM_BASE_URL = http://127.0.0.1:8090.
"""

from __future__ import annotations

import argparse
import asyncio

from examples.legacy_sim.http import serve
from examples.legacy_sim.systems import LegacySystems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--token", default="sim-token", help="GL bearer token (GL_TOKEN)")
    parser.add_argument("--user", default="sim", help="CRM user (CRM_USER)")
    parser.add_argument("--password", default="sim", help="CRM password (CRM_PASSWORD)")
    parser.add_argument("--unavailable", type=float, default=0.0, help="share answered 503")
    parser.add_argument("--timeout", type=float, default=0.0, help="share answered too late")
    parser.add_argument("--drop", type=float, default=0.0, help="share of dropped connections")
    parser.add_argument("--throttle", type=float, default=0.0, help="share answered 429")
    args = parser.parse_args()
    systems = LegacySystems(token=args.token, user=args.user, password=args.password)
    for name in ("unavailable", "timeout", "drop", "throttle"):
        systems.chaos[name] = getattr(args, name)
    asyncio.run(_serve(systems, args.host, args.port))


async def _serve(systems: LegacySystems, host: str, port: int) -> None:
    server = await serve(systems.handle, host, port)
    print(f"simulated GL and CRM on http://{host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    main()
