#!/usr/bin/env python3
"""Write deploy/nginx-site.conf with its @NAMES@ filled in (README: Run it in production).

    python3 deploy/render_nginx.py --server-name portal.example.com \
        --cert /etc/letsencrypt/live/portal.example.com/fullchain.pem \
        --key /etc/letsencrypt/live/portal.example.com/privkey.pem \
        > /etc/nginx/sites-available/portal

Standard library only: it runs before the virtualenv exists.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent


def render(values: dict[str, str]) -> str:
    template = (DEPLOY / "nginx-site.conf").read_text()
    missing = sorted(set(re.findall(r"@([A-Z_]+)@", template)) - values.keys())
    if missing:
        raise SystemExit(f"No value for {', '.join(missing)}")
    return re.sub(r"@([A-Z_]+)@", lambda m: values[m.group(1)], template)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-name", required=True, help="the portal's public host name")
    parser.add_argument("--cert", required=True, help="TLS certificate chain (PEM)")
    parser.add_argument("--key", required=True, help="TLS private key (PEM)")
    parser.add_argument(
        "--upstream", default="127.0.0.1:8000", help="gunicorn's GUNICORN_BIND (host:port or unix:path)"
    )
    parser.add_argument("--https-listen", default="443")
    parser.add_argument("--http-listen", default="80")
    parser.add_argument(
        "--webhook-max-bytes", default="1048576", help="WEBHOOK_MAX_BYTES: the largest webhook body accepted"
    )
    parser.add_argument("--static-root", default=str(ROOT / "staticfiles"), help="STATIC_ROOT, filled by collectstatic")
    args = parser.parse_args(argv)
    sys.stdout.write(
        render(
            {
                "SERVER_NAME": args.server_name,
                "TLS_CERT": args.cert,
                "TLS_KEY": args.key,
                "UPSTREAM": args.upstream,
                "HTTPS_LISTEN": args.https_listen,
                "HTTP_LISTEN": args.http_listen,
                "STATIC_ROOT": args.static_root,
                "WEBHOOK_MAX_BYTES": args.webhook_max_bytes,
                "DEPLOY_DIR": str(DEPLOY),
            }
        )
    )


if __name__ == "__main__":
    main()
