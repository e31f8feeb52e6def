"""Notices to citizens' phones: the address kept here until the ticket ends, the moment chosen by the broker."""
