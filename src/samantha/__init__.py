"""samantha: a terminal companion with a character of her own."""

__version__ = "0.1.0"
