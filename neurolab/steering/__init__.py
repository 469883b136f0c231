"""Steering the LRM audio model toward emotion-grid targets: grids, signals, injection and steerability studies."""
from .grid import EmotionGrid
from .signals import build_steering_signals
