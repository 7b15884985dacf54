"""HTTP routes of the directory: parse, call one action or query, return a Read schema."""

from typing import Annotated

from fastapi import Path, Query

from tack.directory.schemas import MAX_ID

# Ids in paths and queries: out-of-range numbers are a 422, never an overflow in the driver.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
