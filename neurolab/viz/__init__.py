"""Visualisation: the breathing training monitor, emotion-field maps and study figures."""
