"""The one error a population run stops on: it cannot start (no export, no Spark). Malformed
lines and resources are skipped and counted instead."""


class PopulationError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
