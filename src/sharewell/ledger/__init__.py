"""The ledger: a double-entry book of points (grants, awards, pledges in escrow, splits along
introduction chains) and a reciprocity tally of gives and takes. See docs/ledger.md."""
