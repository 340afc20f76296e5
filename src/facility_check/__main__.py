"""``python -m facility_check``."""

from .cli import main

main()
