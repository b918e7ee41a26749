"""Reading what the bank and others send: bank statements (CAMT, OFX, CFONB 120, CSV) and,
beside them, invoices (``einvoice``, ``fec``). ``detect.kind_of`` tells a file's kind from
its content; each reader returns ``(lines, problems)`` and never raises on a bad line."""
