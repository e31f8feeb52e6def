"""What every hall screen shares (kiosk, call screen, counter terminal, supervisor tablet): the CJK
font, the theme sized in millimetres, the large widgets, the broker link that hands results to the
UI thread, spoken guidance."""
