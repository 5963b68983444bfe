"""Pure rules of incident response: no I/O, no clock (time is always a parameter)."""
