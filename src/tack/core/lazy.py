"""Parts of the app imported by their first use, so that an idle server does not hold them.

Why: each domain's routes (with their schemas, actions and queries) cost the server's memory
from the start whether or not anyone uses them: attendance ~4.5 MB, approvals ~2.5 MB, the
open platform ~2.5 MB, DING ~1.2 MB, the directory's admin ~2 MB (docs/performance.md,
Memory). A server that serves only chat and realtime never needs them; one that does pays a
one-time import (a few hundred ms of the first such request) and then runs as before.

- `LazyRoutes` stands in the app's route list, at the place the routes would have had, for
  routes whose paths all start with one of its path prefixes (tests/test_lazy_routes.py checks
  that they do). The first request whose path starts with one loads them in its place, and is
  routed again from the top: in the same order as ever, so it reaches the route (or the 404,
  405 or slash redirect) it would have reached with every route loaded from the start.
- `LazyLane` stands for a pre-router lane (an ASGI middleware) until a request for its paths.
- `later(module, name)`: a hook handler imported by its first call.
- `load_all(routes)`: every stand-in replaced by its routes (for the OpenAPI document).

What loads later is not in the start's gc.freeze (main.create_app's lifespan): the
collector's full passes scan it (~35,000 objects with every domain loaded, ~2,000 for the
robots' message hook that the first chat message imports), as they did all of it before
the freeze existed; freezing again mid-request would freeze that request's objects too.
"""

import functools
import importlib
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

_PARAM = re.compile(r"\{[^}]+\}")


def _pattern(prefixes: Sequence[str]) -> re.Pattern[str]:
    """A prefix matches its path and the paths below it ("/a/{id}" matches /a/1 and /a/1/b,
    not /a nor /ab/1); ending in "$" it matches only the path itself. `{name}` is one path
    segment."""
    parts = []
    for prefix in prefixes:
        exact = prefix.endswith("$")
        body = "[^/]+".join(re.escape(piece) for piece in _PARAM.split(prefix.rstrip("$")))
        parts.append(body + ("$" if exact else "(?:/|$)"))
    return re.compile("|".join(f"(?:{p})" for p in parts))


class LazyRoutes(BaseRoute):
    """`load()` returns the routes; `prefixes` covers every path among them."""

    def __init__(self, router: Router, name: str, prefixes: Sequence[str], load: Callable[[], Sequence[BaseRoute]]) -> None:
        self.router = router
        self.name = name
        self.prefixes = tuple(prefixes)
        self.pattern = _pattern(prefixes)
        self._load = load

    def __repr__(self) -> str:
        return f"LazyRoutes({self.name!r})"

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # The path the routes match on (behind a proxy's root_path too), as Starlette's own do.
        if scope["type"] in ("http", "websocket") and self.pattern.match(get_route_path(scope)):
            return Match.FULL, {}
        return Match.NONE, {}

    def load(self) -> None:
        """Puts the routes in this stand-in's place (once: no await in between, so two first
        requests at once cannot both load)."""
        routes = self.router.routes
        for i, route in enumerate(routes):
            if route is self:
                routes[i : i + 1] = list(self._load())
                return

    @property
    def loaded(self) -> bool:
        return not any(route is self for route in self.router.routes)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.load()
        await self.router.app(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        self.load()
        return self.router.url_path_for(name, **path_params)


def load_all(routes: list[BaseRoute]) -> None:
    for route in list(routes):
        if isinstance(route, LazyRoutes):
            route.load()


class LazyLane:
    """ASGI middleware: passes every request on until one whose path `pattern` matches, then
    builds the real lane (`load(app)`) and hands it that request and every later one."""

    def __init__(self, app: ASGIApp, pattern: str, load: Callable[[ASGIApp], ASGIApp]) -> None:
        self.app = app
        self.pattern = re.compile(pattern)
        self._load = load
        self.lane: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self.lane
        if lane is None:
            if scope["type"] != "http" or not self.pattern.match(scope["path"]):
                await self.app(scope, receive, send)
                return
            lane = self.lane = self._load(self.app)
        await lane(scope, receive, send)


@functools.cache
def later(module: str, name: str) -> Callable[..., Awaitable[Any]]:
    """The async function `module.name`, imported by its first call. One object per function
    (cached), so registering it twice stays the no-op the hook registries make it."""
    target: Callable[..., Awaitable[Any]] | None = None

    async def handler(*args: Any) -> Any:
        nonlocal target
        if target is None:
            target = getattr(importlib.import_module(module), name)
        return await target(*args)

    handler.__qualname__ = handler.__name__ = f"later({module}.{name})"
    return handler

