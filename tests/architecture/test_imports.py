"""Import rules between layers and domains (DESIGN.md), checked by import-linter.

The contracts are generated from DOMAIN_ORDER so that a new domain package joins them by
being listed once here; packages not written yet are skipped.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

# Top to bottom: a domain may import only domains below it.
DOMAIN_ORDER = ["openapi_compat", "approval", "attendance | ding", "chat", "directory"]
ROOMS = ["routes", "actions | queries", "access", "repository", "models"]
ABOVE_DOMAINS = ["tack.main", "tack.asgi", "tack.cli", "tack.operator", "tack.web", "tack.realtime", "tack.jobs_admin"]
# Infrastructure between the domains and storage: knows no domain, domains may use it.
BELOW_DOMAINS = ["tack.jobs"]


def _exists(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _domains() -> list[str]:
    layers = []
    for row in DOMAIN_ORDER:
        present = [f"tack.{name.strip()}" for name in row.split("|") if _exists(f"tack.{name.strip()}")]
        if present:
            layers.append(" | ".join(present))
    return layers


def _lines(items: list[str]) -> str:
    return "".join(f"\n    {item}" for item in items)


def build_config() -> str:
    domain_layers = _domains()
    domains = [d.strip() for layer in domain_layers for d in layer.split("|")]
    above = [m for m in ABOVE_DOMAINS if _exists(m)]
    below = [m for m in BELOW_DOMAINS if _exists(m)]
    contracts = [
        f"""[importlinter:contract:core]
name = tack.core imports nothing from the rest of Tack
type = forbidden
source_modules =
    tack.core
forbidden_modules ={_lines(["tack.storage", "tack.settings", *below, *domains, *above])}
""",
        f"""[importlinter:contract:storage]
name = tack.storage knows no domain
type = forbidden
source_modules =
    tack.storage
forbidden_modules ={_lines([*below, *domains, *above])}
""",
        *(
            f"""[importlinter:contract:{module.split('.')[-1]}]
name = {module} knows no domain
type = forbidden
source_modules =
    {module}
forbidden_modules ={_lines([*domains, *above])}
"""
            for module in below
        ),
        f"""[importlinter:contract:domains-below-root]
name = domains never import the composition root, the web client, the CLI or the realtime gateway
type = forbidden
source_modules ={_lines(domains)}
forbidden_modules ={_lines(above)}
""",
        f"""[importlinter:contract:domain-order]
name = higher domains may use lower ones, never the reverse
type = layers
layers ={_lines([*domain_layers, *below, "tack.storage", "tack.core"])}
exhaustive = false
""",
    ]
    for domain in domains:
        rooms = []
        for row in ROOMS:
            present = [r.strip() for r in row.split("|") if _exists(f"{domain}.{r.strip()}")]
            if present:
                rooms.append(" | ".join(present))
        contracts.append(
            f"""[importlinter:contract:rooms-{domain.split('.')[-1]}]
name = inside {domain}: routes > actions | queries > access > repository > models
type = layers
containers =
    {domain}
layers ={_lines(rooms)}
exhaustive = false
"""
        )
        others = [f"{o}.{room}" for o in domains if o != domain for room in ("repository", "routes", "tasks")]
        others = [m for m in others if _exists(m)]
        if others:
            contracts.append(
                f"""[importlinter:contract:foreign-{domain.split('.')[-1]}]
name = {domain} never uses another domain's repository, routes or tasks
type = forbidden
source_modules =
    {domain}
forbidden_modules ={_lines(others)}
allow_indirect_imports = true
"""
            )
    return "[importlinter]\nroot_package = tack\n\n" + "\n".join(contracts)


def test_import_contracts(tmp_path: Path) -> None:
    config = tmp_path / "importlinter.ini"
    config.write_text(build_config())
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(config), "--no-cache", "--no-logo"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_rule_is_caught(tmp_path: Path) -> None:
    """The linter really runs: a contract that the code breaks must fail."""
    config = tmp_path / "importlinter.ini"
    config.write_text(
        """[importlinter]
root_package = tack

[importlinter:contract:inverted]
name = inverted on purpose
type = forbidden
source_modules =
    tack.directory
forbidden_modules =
    tack.storage
"""
    )
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(config), "--no-cache", "--no-logo"], capture_output=True, text=True)
    assert result.returncode != 0
