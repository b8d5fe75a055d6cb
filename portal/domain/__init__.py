"""Pure domain rules of the union portal (no Flask): validators, normalisers, computations."""
