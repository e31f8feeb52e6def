"""What the device tests share: a health sink that records every report a device makes, and the fields
of a resident ID card's public dict."""

from __future__ import annotations

import pytest

from devices.health import HealthReporter

# what a resident ID card's public dict holds (masked or not), and what `idcard read` prints
RESIDENT_CARD_FIELDS = {
    "name",
    "sex",
    "nation",
    "birth",
    "address",
    "id_number",
    "authority",
    "valid_from",
    "valid_to",
    "card_type",
}


class HealthSink:
    """A `HealthReporter`'s sink: every (device id, state, message) reported, in order."""

    def __init__(self):
        self.events: list[tuple[str, str, str]] = []

    def __call__(self, device_id, health):
        self.events.append((device_id, health.state, health.message))

    @property
    def last(self) -> tuple[str, str]:
        """The latest report's (state, message)."""
        return self.events[-1][1:]


def assert_options_refused(open_device, config, error: type[Exception], message: str) -> None:
    """Opening the device of `config` with `open_device(config, health, on_input)` (the camera's, the
    scanner's, the keypads') fails with `error`, naming the device and saying `message`."""
    with pytest.raises(error, match=config.id) as info:
        open_device(config, HealthReporter(), print)
    assert message in str(info.value)


@pytest.fixture
def sink() -> HealthSink:
    return HealthSink()
