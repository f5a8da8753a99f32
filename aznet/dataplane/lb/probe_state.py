"""The health probe state machine (pure).

Azure's probe resource carries ``probeThreshold`` (api-version 2022-05-01 and later): "the number of
consecutive successful or failed probes in order to allow or deny traffic ... After failing the number of
consecutive probes equal to this value, the endpoint will be taken out of rotation and require the same
number of successful consecutive probes to be placed back in rotation." Earlier api-versions have only
``numberOfProbes``: "the number of probes where if no response, will result in stopping further traffic";
there one success puts the endpoint back (inferred). A backend starts Unknown and is not sent new flows until
its first probe answers (the first probe runs at once)."""

from __future__ import annotations

from dataclasses import dataclass

UP, DOWN, UNKNOWN = "Up", "Down", "Unknown"


def thresholds(probe_props: dict[str, object]) -> tuple[int, int]:
    """(failures to go down, successes to come back up) for a probe's stored properties."""
    pt = probe_props.get("probeThreshold")
    if isinstance(pt, int) and not isinstance(pt, bool) and pt >= 1:
        return pt, pt
    n = probe_props.get("numberOfProbes")
    n = n if isinstance(n, int) and not isinstance(n, bool) and n >= 1 else 2
    return n, 1


@dataclass
class ProbeState:
    down_after: int = 1
    up_after: int = 1
    state: str = UNKNOWN
    streak: int = 0          # consecutive results against the current state
    last_error: str = ""

    def observe(self, ok: bool, error: str = "") -> bool:
        """Record one probe result; True when the state changed."""
        self.last_error = "" if ok else error
        if self.state == UNKNOWN:
            self.state, self.streak = (UP if ok else DOWN), 0
            return True
        if (ok and self.state == UP) or (not ok and self.state == DOWN):
            self.streak = 0
            return False
        self.streak += 1
        if self.streak >= (self.up_after if ok else self.down_after):
            self.state, self.streak = (UP if ok else DOWN), 0
            return True
        return False

    @property
    def up(self) -> bool:
        return self.state == UP
