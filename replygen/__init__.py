"""replygen: official replies to proposals and suggestions, as GB/T 9704-2012 DOCX and PDF."""

__version__ = "0.1.0"
