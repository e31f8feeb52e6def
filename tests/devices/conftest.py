"""What the device tests share: a health sink that records every report a device makes, and the fields
of a resident ID card's public dict."""

from __future__ import annotations

from typing import Any

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


def assert_options_refused(open_device, config, error: type[Exception], message: str, *more) -> None:
    """Opening the device of `config` with `open_device(config, health, *more)` (the camera, the scanner and
    the keypads take an on-input callback there) fails with `error`, naming the device and saying `message`."""
    with pytest.raises(error, match=config.id) as info:
        open_device(config, HealthReporter(), *more)
    assert message in str(info.value)


def open_with_failing_callback(open_device, config) -> tuple[Any, list[Any]]:
    """The device of `config`, opened with `open_device(config, health, callback)` and started, where the
    callback records what it is given and then raises (a bug in the face using it); and that record."""
    given: list[Any] = []

    def callback(value: Any) -> None:
        given.append(value)
        raise RuntimeError("bug in the face")

    device = open_device(config, HealthReporter(), callback)
    device.start()
    return device, given


@pytest.fixture
def sink() -> HealthSink:
    return HealthSink()
