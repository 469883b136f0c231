"""Speech family: backend-exact MFCC features and a streaming LSTM emotion classifier."""
from .model import EmotionLSTM
