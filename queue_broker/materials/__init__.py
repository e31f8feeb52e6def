"""Materials on file (issue 23 item 5): pages checked, encrypted at rest with the hall's key, attached to a
ticket or a case by reference, listed for the counter, erased after the retention period. See
docs/materials.md. `checks` and `vault` need no broker; `service.MaterialsService` runs in the broker."""
