"""Given/when/then for deciders: history, one command, then the events or the rejection.

The decider is the one the command routes to, exactly as the command service finds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gateway.domain.deciders import decider_for
from gateway.domain.errors import DomainRejection
from gateway.domain.messages import Command, Event


@dataclass(frozen=True)
class Outcome:
    history: tuple[Event, ...]
    command: Command

    def then(self, *expected: Event) -> None:
        decider = decider_for(self.command)
        state = decider.replay(self.history)
        events = decider.decide(state, self.command)
        assert events == list(expected)
        decider.fold(state, events)  # what was decided must also replay

    def then_nothing(self) -> None:
        self.then()

    def then_rejected(self, code: str) -> DomainRejection:
        decider = decider_for(self.command)
        state = decider.replay(self.history)
        with pytest.raises(DomainRejection) as raised:
            decider.decide(state, self.command)
        assert raised.value.code == code
        return raised.value


@dataclass(frozen=True)
class Scenario:
    history: tuple[Event, ...]

    def when(self, command: Command) -> Outcome:
        return Outcome(self.history, command)


def given(*history: Event) -> Scenario:
    return Scenario(history)
