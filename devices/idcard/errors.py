"""The only exceptions the ID-card reader raises. Anything else from below is wrapped into one of them."""

from __future__ import annotations


class IdCardError(Exception):
    """Base of every reader error; `str()` is a sentence for the hall's staff."""


class ReaderTimeout(IdCardError):
    """The reader did not answer a command within its timeout."""


class ReaderUnavailable(ReaderTimeout):
    """No port: the reader is unplugged or its port vanished. Reopening is retried with back-off.

    A ReaderTimeout, so a caller that handles "the reader does not answer" handles this too."""


class FrameError(IdCardError):
    """A reply that is not a valid frame: bad preamble, impossible or inconsistent length, bad checksum,
    or a frame cut short."""


class CardError(IdCardError):
    """The card could not be read or its content is not valid (moved away mid-read, unknown card type,
    an ID number whose check digit is wrong, an impossible date)."""


class SamError(IdCardError):
    """The reader's security module (SAM) failed its self-check, is not authorised, or refused a command."""
