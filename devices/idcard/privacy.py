"""Masked forms of personal data for screens, logs and anything that leaves the kiosk.

One implementation for the whole hall lives in `queue_broker.security.identity`, so the masked form
a kiosk shows is the one the broker stores (protocol `MaskedHolder`).
"""

from queue_broker.security.identity import mask_address, mask_id_number, mask_name

__all__ = ["mask_address", "mask_id_number", "mask_name"]
