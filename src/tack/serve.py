"""`tack serve`'s server process: uvicorn serving tack.asgi:app, and nothing of the CLI.

`tack serve` migrates, then replaces itself (exec, same pid) with `python -m tack.serve`, so
the long-lived server does not carry the CLI's modules (typer, click, rich and pygments:
~5 MB that an idle server would hold for nothing), and so the C allocator reads the
environment set for it before the interpreter starts (see cli.serve: MALLOC_ARENA_MAX).

    python -m tack.serve HOST PORT WORKERS
"""

import sys


def main(argv: list[str]) -> None:
    host, port, workers = argv[0], int(argv[1]), int(argv[2])

    import uvicorn

    from tack.realtime.wire import WS_PROTOCOL

    uvicorn.run(
        "tack.asgi:app", host=host, port=port, workers=workers, log_level="warning", proxy_headers=True,
        ws_per_message_deflate=False, ws=WS_PROTOCOL,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
