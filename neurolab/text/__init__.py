"""The text family: sentence encoders, Tiny Recursive Models v1–v6 for PAD on EmoBank, training and CLI."""
