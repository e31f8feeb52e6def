"""Typed A4 printer failures. `str()` is a sentence for the hall's staff; `citizen_message` is for the screen."""

from __future__ import annotations


class A4PrinterError(Exception):
    citizen_message = "打印机暂时不能打印，请联系工作人员。"

    def __init__(self, message: str, sheets: int = 0):
        super().__init__(message)
        self.sheets = sheets  # sheets that came out before the failure (0: nothing printed)


class A4PrinterUnavailable(A4PrinterError):
    """The printing system cannot be reached, or the kiosk's queue does not exist. Nothing was sent."""

    citizen_message = "打印机暂时无法连接，请联系工作人员。"


class A4PrinterNotReady(A4PrinterError):
    """The printer reports a fault (paper out, offline, jammed, queue stopped). Nothing was sent."""

    def __init__(self, message: str, citizen_message: str, sheets: int = 0):
        super().__init__(message, sheets)
        self.citizen_message = citizen_message


class A4PrintFailed(A4PrinterError):
    """The job was aborted by the printing system, or pages already came out of a job that failed."""

    citizen_message = "打印未能完成，请联系工作人员。"
